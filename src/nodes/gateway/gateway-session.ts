import type { DeviceIdentity } from '../../core/auth/jwt.js';
import { preciseNow } from '../../core/observability/message-hops.js';
import { decodeClientFrame } from '../../core/protocol/decode.js';
import { CLOSE_CODES, ProtocolError } from '../../core/protocol/errors.js';
import type { ClientFrame, ClientRequest } from '../../core/protocol/client-frames.js';
import type { FrameSink } from './frame-sink.js';
import { errorFrame, type GatewayContext, type RequestScope } from './gateway-context.js';
import type { Session } from './local-sessions.js';
import { FrameBudget } from './frame-budget.js';
import { TokenBucket } from './token-bucket.js';

/** A client that lets more than this wait unread is not reading: it is closed rather than allowed to grow. */
export const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

export interface SessionHooks {
  /** Registers the authenticated session (routes, caches); returns once live delivery reaches it. */
  attach(session: GatewaySession): Promise<void>;
  detach(session: GatewaySession): void;
  dispatch(scope: RequestScope, frame: ClientRequest, receivedAt: number): Promise<void>;
}

export type SessionContext = Pick<GatewayContext, 'config' | 'metrics' | 'log'>;

/**
 * One device session on this gateway, whatever carries it (WebSocket or long-poll): the
 * welcome, frames in (decoded against the schemas, then dispatched), frames out (bounded by
 * what the client has not taken), token expiry and the close. The transport only moves bytes
 * (FrameSink) and decides when the client authenticated.
 */
export class GatewaySession implements Session {
  user = '';
  device = '';
  /** When the token expires (ms); the heartbeat closes the session then. */
  expiresAt = Number.POSITIVE_INFINITY;
  /** Sends of this connection (sendRate, sendBurst), judged after the frame is read. */
  readonly sendLimiter: TokenBucket;
  /** Every frame of this connection, judged before it is read; and its bad frames. */
  private readonly budget: FrameBudget;
  /** The token's iat in seconds, when it had one (a revocation closes the sessions of older tokens). */
  issuedAt: number | undefined;
  private state: 'new' | 'open' | 'closed' = 'new';
  /** Closed for bad frames: the close is under way, nothing more is read. */
  private refused = false;
  /** Aborted once the session ends or a write fails: its queued and running requests stop (RequestScope.signal). */
  private readonly work = new AbortController();

  constructor(
    readonly connId: string,
    readonly transport: 'ws' | 'longpoll',
    private readonly sink: FrameSink,
    private readonly ctx: SessionContext,
    private readonly hooks: SessionHooks,
  ) {
    this.sendLimiter = new TokenBucket(ctx.config.sendRatePerSec, ctx.config.sendBurst, Date.now());
    this.budget = new FrameBudget(ctx.config, Date.now());
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  get lastHeardAt(): number {
    return this.sink.lastHeardAt;
  }

  /**
   * Registers the device and sends welcome. False when the transport went away meanwhile
   * (then nothing stays registered). Throws what attach throws (a service is down).
   */
  async open(identity: DeviceIdentity): Promise<boolean> {
    this.user = identity.user;
    this.device = identity.device;
    this.expiresAt = identity.expiresAt;
    this.issuedAt = identity.issuedAt;
    await this.hooks.attach(this);
    if (!this.sink.isOpen || this.state === 'closed') {
      this.hooks.detach(this);
      return false;
    }
    this.state = 'open';
    this.ctx.metrics.handshakes.inc({ outcome: 'ok' });
    const { config } = this.ctx;
    this.write(
      JSON.stringify({
        type: 'welcome',
        user: this.user,
        device: this.device,
        heartbeatMs: config.heartbeatMs,
        limits: config.limits,
      }),
    );
    return true;
  }

  /** One client frame as text, after welcome. */
  receive(text: string): void {
    if (!this.admit()) return;
    const decoded = decodeClientFrame(text);
    if (!decoded.ok) {
      this.badFrame(decoded.requestId, decoded.message);
      return;
    }
    this.ctx.metrics.framesIn.inc({ type: decoded.frame.type });
    this.handle(decoded.frame);
  }

  /** A binary frame after welcome: the protocol has none. */
  receiveBinary(): void {
    if (this.admit()) this.badFrame(undefined, 'binary frames are not supported: send JSON text frames');
  }

  write(frame: string): boolean {
    if (this.state === 'closed' || !this.sink.isOpen) {
      this.abandonWork();
      return false;
    }
    if (this.sink.bufferedAmount > MAX_BUFFERED_BYTES) {
      this.ctx.metrics.slowConsumers.inc();
      this.ctx.log.warn(
        { conn: this.connId, user: this.user, transport: this.transport },
        'closing a session that does not read its frames',
      );
      this.sink.close(CLOSE_CODES.slowConsumer, 'too far behind');
      this.abandonWork();
      return false;
    }
    this.sink.send(frame);
    this.ctx.metrics.framesOut.inc();
    return true;
  }

  ping(): void {
    if (this.sink.isOpen) this.sink.ping();
  }

  close(code: number, reason: string): void {
    this.sink.close(code, reason);
  }

  terminate(): void {
    this.sink.terminate();
  }

  /** Closes with a code, and cuts the link if the peer does not finish the close soon. */
  closeOrCut(code: number, reason: string, graceMs = 1000): void {
    this.close(code, reason);
    setTimeout(() => this.terminate(), graceMs).unref();
  }

  /** The token expired on a live session: the client must come back with a fresh one. */
  expire(): void {
    this.write(errorFrame(undefined, 'unauthorized', 'the token expired; reconnect with a fresh one'));
    this.closeOrCut(CLOSE_CODES.unauthorized, 'token expired');
  }

  /** The transport is gone (closed by either side): unregister once. */
  ended(): void {
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.abandonWork();
    if (wasOpen) this.hooks.detach(this);
  }

  /** Nobody will read what this session's requests answer: those waiting never run, running ones stop at their next step. */
  private abandonWork(): void {
    if (!this.work.signal.aborted) this.work.abort(new Error(`session ${this.connId} ended`));
  }

  /** Spends a token of the frame budget; a frame over it is dropped unread (answered at most once per wait told). */
  private admit(): boolean {
    if (this.state !== 'open' || this.refused) return false;
    const verdict = this.budget.admit(Date.now());
    if (verdict.admit) return true;
    this.ctx.metrics.framesDropped.inc();
    if (verdict.tell) {
      this.ctx.metrics.errors.inc({ code: 'rate_limited' });
      this.write(
        errorFrame(
          undefined,
          'rate_limited',
          'frames sent faster than this connection may; they were dropped unread',
          verdict.retryAfterMs,
        ),
      );
    }
    return false;
  }

  /** Answers a bad frame; one more than the allowance closes the connection (4400). */
  private badFrame(requestId: string | undefined, message: string): void {
    this.ctx.metrics.errors.inc({ code: 'bad_frame' });
    this.write(errorFrame(requestId, 'bad_frame', message));
    if (this.budget.bad(Date.now())) return;
    this.refused = true;
    this.ctx.metrics.badFrameCloses.inc();
    this.ctx.log.warn(
      { conn: this.connId, user: this.user, transport: this.transport },
      'closing a session that keeps sending bad frames',
    );
    this.closeOrCut(CLOSE_CODES.badFrames, 'too many bad frames');
  }

  private handle(frame: ClientFrame): void {
    const requestId = 'id' in frame ? frame.id : undefined;
    if (frame.type === 'hello') {
      this.badFrame(requestId, 'already authenticated: hello is only the first frame');
      return;
    }
    const scope: RequestScope = {
      session: this,
      requestId,
      reply: (reply) => this.write(JSON.stringify(requestId === undefined ? reply : { ...reply, id: requestId })),
      signal: this.work.signal,
    };
    this.hooks.dispatch(scope, frame, preciseNow()).catch((error: unknown) => {
      // Abandoned with its session: there is no one to tell, and nothing went wrong.
      if (this.work.signal.aborted && error === this.work.signal.reason) return;
      if (error instanceof ProtocolError) {
        this.ctx.metrics.errors.inc({ code: error.code });
        this.write(errorFrame(requestId, error.code, error.message, error.retryAfterMs));
        return;
      }
      this.ctx.log.error({ err: error, conn: this.connId, type: frame.type }, 'request failed');
      const unavailable = isServiceOutage(error);
      this.ctx.metrics.errors.inc({ code: unavailable ? 'unavailable' : 'internal' });
      this.write(
        errorFrame(
          requestId,
          unavailable ? 'unavailable' : 'internal',
          unavailable ? 'a backing service is unreachable; try again' : 'internal error',
        ),
      );
    });
  }
}

function isServiceOutage(error: unknown): boolean {
  const text =
    error instanceof Error
      ? `${error.name} ${error.message} ${String((error as { code?: string | number }).code ?? '')}`
      : '';
  return /ECONNREFUSED|ECONNRESET|timeout|Connection terminated|CONNECTION_CLOSED|no responders|ETIMEDOUT|57P01|closed/i.test(
    text,
  );
}
