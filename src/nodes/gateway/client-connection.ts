import type { WebSocket } from 'ws';
import { InvalidTokenError, type TokenVerifier } from '../../core/auth/jwt.js';
import { decodeClientFrame } from '../../core/protocol/decode.js';
import { CLOSE_CODES, ProtocolError } from '../../core/protocol/errors.js';
import type { FrameSink } from './frame-sink.js';
import { errorFrame, type GatewayContext } from './gateway-context.js';
import { GatewaySession, type SessionHooks } from './gateway-session.js';

/**
 * One client's WebSocket: the hello handshake, then the socket is the FrameSink of a
 * GatewaySession, which handles frames in and out like any other transport's.
 */
export class ClientConnection implements FrameSink {
  lastHeardAt = Date.now();
  readonly session: GatewaySession;
  private state: 'hello' | 'authenticating' | 'open' | 'closed' = 'hello';
  /** Frames that arrive after hello but before welcome are handled right after welcome, in order. */
  private early: Buffer[] | undefined;
  private readonly helloTimer: NodeJS.Timeout;

  constructor(
    readonly connId: string,
    private readonly ws: WebSocket,
    private readonly ctx: GatewayContext,
    private readonly verifier: TokenVerifier,
    hooks: SessionHooks,
  ) {
    this.session = new GatewaySession(connId, 'ws', this, ctx, hooks);
    const { helloTimeoutMs } = ctx.config;
    this.helloTimer = setTimeout(() => this.refuse(`no hello within ${helloTimeoutMs} ms`), helloTimeoutMs);
    ws.on('message', (data, isBinary) => this.onMessage(data as Buffer, isBinary));
    ws.on('pong', () => (this.lastHeardAt = Date.now()));
    ws.on('close', () => this.onClose());
    ws.on('error', () => {});
  }

  get isOpen(): boolean {
    return this.state !== 'closed' && this.ws.readyState === this.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(frame: string): void {
    this.ws.send(frame);
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

  private refuse(message: string): void {
    if (this.state === 'closed') return;
    this.ctx.metrics.handshakes.inc({ outcome: 'refused' });
    this.session.write(errorFrame(undefined, 'unauthorized', message));
    this.closeOrCut(CLOSE_CODES.unauthorized, 'unauthorized');
  }

  /** Closes, and cuts the socket if the peer does not answer the close soon (a slowloris never would). */
  private closeOrCut(code: number, reason: string): void {
    this.close(code, reason);
    setTimeout(() => this.terminate(), 1000).unref();
  }

  private onMessage(data: Buffer, isBinary: boolean): void {
    this.lastHeardAt = Date.now();
    if (isBinary) {
      this.session.write(errorFrame(undefined, 'bad_frame', 'binary frames are not supported: send JSON text frames'));
      return;
    }
    if (this.state === 'authenticating') {
      (this.early ??= []).push(data);
      return;
    }
    if (this.state === 'hello') {
      const decoded = decodeClientFrame(data.toString('utf8'));
      if (!decoded.ok || decoded.frame.type !== 'hello') {
        this.refuse(decoded.ok ? `the first frame must be hello, got ${decoded.frame.type}` : `the first frame must be hello: ${decoded.message}`);
        return;
      }
      void this.authenticate(decoded.frame.token);
      return;
    }
    if (this.state === 'open') this.session.receive(data.toString('utf8'));
  }

  private async authenticate(token: string): Promise<void> {
    this.state = 'authenticating';
    clearTimeout(this.helloTimer);
    try {
      const identity = await this.verifier.verify(token);
      if (!(await this.session.open(identity))) return;
      this.state = 'open';
      const early = this.early ?? [];
      this.early = undefined;
      for (const data of early) this.onMessage(data, false);
    } catch (error) {
      this.state = 'hello';
      if (error instanceof InvalidTokenError) {
        this.refuse(`invalid token: ${error.message}`);
      } else if (error instanceof ProtocolError) {
        // Admission refused (too many connections or devices of the user).
        this.ctx.metrics.handshakes.inc({ outcome: 'refused' });
        this.session.write(errorFrame(undefined, error.code, error.message, error.retryAfterMs));
        this.closeOrCut(CLOSE_CODES.overLimit, 'over limit');
      } else {
        this.ctx.log.error({ err: error }, 'hello failed');
        this.session.write(errorFrame(undefined, 'unavailable', 'the server cannot take connections right now; reconnect later'));
        this.close(CLOSE_CODES.internalError, 'unavailable');
      }
    }
  }

  private onClose(): void {
    clearTimeout(this.helloTimer);
    this.state = 'closed';
    this.session.ended();
  }
}
