import type { WebSocket } from 'ws';
import { InvalidTokenError, type TokenVerifier } from '../../core/auth/jwt.js';
import { decodeClientFrame } from '../../core/protocol/decode.js';
import { CLOSE_CODES, ProtocolError } from '../../core/protocol/errors.js';
import { HELLO_TIMEOUT_MS } from '../../core/protocol/limits.js';
import type { ClientFrame, ClientRequest } from '../../core/protocol/client-frames.js';
import { errorFrame, type GatewayContext, type RequestScope } from './gateway-context.js';
import type { Session } from './local-sessions.js';
import { SendRateLimiter } from './send-rate-limiter.js';

/** A socket that buffers more than this is not reading: it is closed rather than allowed to grow. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface ConnectionHooks {
  /** Registers the authenticated session (routes, caches); returns once live delivery reaches it. */
  attach(session: Session): Promise<void>;
  detach(session: Session): void;
  dispatch(scope: RequestScope, frame: ClientRequest, receivedAt: number): Promise<void>;
}

/**
 * One client's WebSocket: the hello handshake, then frames in (decoded against the schemas)
 * and frames out (with a cap on what may queue up). Requests of one connection are handled
 * concurrently, except sends, which the dispatcher keeps in order.
 */
export class ClientConnection implements Session {
  user = '';
  device = '';
  /** When the hello token expires (ms); the heartbeat closes the connection then. */
  expiresAt = Number.POSITIVE_INFINITY;
  lastHeardAt = Date.now();
  private state: 'hello' | 'authenticating' | 'open' | 'closed' = 'hello';
  /** Frames that arrive after hello but before welcome are handled right after welcome, in order. */
  private early: Buffer[] | undefined;
  private readonly helloTimer: NodeJS.Timeout;
  readonly limiter: SendRateLimiter;

  constructor(
    readonly connId: string,
    private readonly ws: WebSocket,
    private readonly ctx: GatewayContext,
    private readonly verifier: TokenVerifier,
    private readonly hooks: ConnectionHooks,
  ) {
    this.limiter = new SendRateLimiter(ctx.config.sendRatePerSec, ctx.config.sendBurst, Date.now());
    this.helloTimer = setTimeout(() => this.refuse('no hello within 10 s'), HELLO_TIMEOUT_MS);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => (this.lastHeardAt = Date.now()));
    ws.on('close', () => this.onClose());
    ws.on('error', () => {});
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  write(frame: string): boolean {
    if (this.state === 'closed' || this.ws.readyState !== this.ws.OPEN) return false;
    if (this.ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.ctx.metrics.slowConsumers.inc();
      this.ctx.log.warn({ conn: this.connId, user: this.user }, 'closing a connection that does not read its frames');
      this.ws.close(CLOSE_CODES.slowConsumer, 'too far behind');
      return false;
    }
    this.ws.send(frame);
    this.ctx.metrics.framesOut.inc();
    return true;
  }

  ping(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.ping();
  }

  close(code: number, reason: string): void {
    if (this.ws.readyState === this.ws.OPEN || this.ws.readyState === this.ws.CONNECTING) this.ws.close(code, reason);
  }

  terminate(): void {
    this.ws.terminate();
  }

  /** Closes with a code, and cuts the socket if the peer does not finish the close handshake soon. */
  closeOrCut(code: number, reason: string, graceMs = 1000): void {
    this.close(code, reason);
    setTimeout(() => this.terminate(), graceMs).unref();
  }

  /** The token expired on a live connection: the client must come back with a fresh one. */
  expire(): void {
    this.write(errorFrame(undefined, 'unauthorized', 'the token expired; reconnect with a fresh one'));
    this.closeOrCut(CLOSE_CODES.unauthorized, 'token expired');
  }

  private refuse(message: string): void {
    if (this.state === 'closed') return;
    this.ctx.metrics.handshakes.inc({ outcome: 'refused' });
    this.write(errorFrame(undefined, 'unauthorized', message));
    this.close(CLOSE_CODES.unauthorized, 'unauthorized');
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.lastHeardAt = Date.now();
    if (isBinary) {
      this.write(errorFrame(undefined, 'bad_frame', 'binary frames are not supported: send JSON text frames'));
      return;
    }
    if (this.state === 'authenticating') {
      (this.early ??= []).push(data);
      return;
    }
    const decoded = decodeClientFrame(data.toString('utf8'));
    if (this.state === 'hello') {
      if (!decoded.ok || decoded.frame.type !== 'hello') {
        this.refuse(decoded.ok ? `the first frame must be hello, got ${decoded.frame.type}` : `the first frame must be hello: ${decoded.message}`);
        return;
      }
      void this.authenticate(decoded.frame.token);
      return;
    }
    if (this.state !== 'open') return;
    if (!decoded.ok) {
      this.ctx.metrics.errors.inc({ code: 'bad_frame' });
      this.write(errorFrame(decoded.requestId, 'bad_frame', decoded.message));
      return;
    }
    this.ctx.metrics.framesIn.inc({ type: decoded.frame.type });
    this.handle(decoded.frame);
  }

  private handle(frame: ClientFrame): void {
    const requestId = 'id' in frame ? frame.id : undefined;
    if (frame.type === 'hello') {
      this.write(errorFrame(requestId, 'bad_frame', 'already authenticated: hello is only the first frame'));
      return;
    }
    const scope: RequestScope = {
      session: this,
      requestId,
      reply: (reply) => this.write(JSON.stringify(requestId === undefined ? reply : { ...reply, id: requestId })),
    };
    this.hooks.dispatch(scope, frame, Date.now()).catch((error: unknown) => {
      if (error instanceof ProtocolError) {
        this.ctx.metrics.errors.inc({ code: error.code });
        this.write(errorFrame(requestId, error.code, error.message, error.retryAfterMs));
        return;
      }
      this.ctx.log.error({ err: error, conn: this.connId, type: frame.type }, 'request failed');
      const unavailable = isServiceOutage(error);
      this.ctx.metrics.errors.inc({ code: unavailable ? 'unavailable' : 'internal' });
      this.write(
        errorFrame(requestId, unavailable ? 'unavailable' : 'internal', unavailable ? 'a backing service is unreachable; try again' : 'internal error'),
      );
    });
  }

  private async authenticate(token: string): Promise<void> {
    this.state = 'authenticating';
    clearTimeout(this.helloTimer);
    try {
      const identity = await this.verifier.verify(token);
      this.user = identity.user;
      this.device = identity.device;
      this.expiresAt = identity.expiresAt;
      await this.hooks.attach(this);
      if (this.ws.readyState !== this.ws.OPEN) {
        this.hooks.detach(this);
        return;
      }
      this.state = 'open';
      this.ctx.metrics.handshakes.inc({ outcome: 'ok' });
      const { config } = this.ctx;
      this.write(JSON.stringify({ type: 'welcome', user: this.user, device: this.device, heartbeatMs: config.heartbeatMs, limits: config.limits }));
      const early = this.early ?? [];
      this.early = undefined;
      for (const data of early) this.onMessage(data, false);
    } catch (error) {
      this.state = 'hello';
      if (error instanceof InvalidTokenError) {
        this.refuse(`invalid token: ${error.message}`);
      } else {
        this.ctx.log.error({ err: error }, 'hello failed');
        this.write(errorFrame(undefined, 'unavailable', 'the server cannot take connections right now; reconnect later'));
        this.close(CLOSE_CODES.internalError, 'unavailable');
      }
    }
  }

  private onClose(): void {
    clearTimeout(this.helloTimer);
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    if (wasOpen) this.hooks.detach(this);
  }
}

function isServiceOutage(error: unknown): boolean {
  const text = error instanceof Error ? `${error.name} ${error.message} ${String((error as { code?: unknown }).code ?? '')}` : '';
  return /ECONNREFUSED|ECONNRESET|timeout|Connection terminated|CONNECTION_CLOSED|no responders|ETIMEDOUT|57P01|closed/i.test(text);
}
