import type { WebSocket } from 'ws';
import { InvalidTokenError, type TokenVerifier } from '../../core/auth/jwt.js';
import { decodeClientFrame } from '../../core/protocol/decode.js';
import { CLOSE_CODES, ProtocolError } from '../../core/protocol/errors.js';
import { EarlyFrames } from './early-frames.js';
import type { FrameSink } from './frame-sink.js';
import { errorFrame, type GatewayContext } from './gateway-context.js';
import { GatewaySession, type SessionContext, type SessionHooks } from './gateway-session.js';
import type { PendingSlot } from './pending-handshakes.js';

/** How the connection came to be, from before the WebSocket existed. */
export interface HandshakeStart {
  /**
   * When the TCP connection was accepted (ms): the hello timeout runs from there, across the
   * upgrade. Absent for a kept-alive connection that served other requests first: then from now.
   */
  acceptedAt?: number;
  /** This connection's place among its address's connections waiting for hello. */
  slot?: PendingSlot;
}

export type ConnectionContext = SessionContext & Pick<GatewayContext, 'config' | 'metrics' | 'log'>;

/**
 * One client's WebSocket: the hello handshake, then the socket is the FrameSink of a
 * GatewaySession, which handles frames in and out like any other transport's.
 */
export class ClientConnection implements FrameSink {
  lastHeardAt = Date.now();
  readonly session: GatewaySession;
  /** 'closing': refused, the close is under way; nothing the client sends is handled any more. */
  private state: 'hello' | 'authenticating' | 'open' | 'closing' | 'closed' = 'hello';
  /** Frames that arrive after hello but before welcome are handled right after welcome, in order. */
  private readonly early: EarlyFrames;
  private readonly helloTimer: NodeJS.Timeout;
  private readonly slot: PendingSlot | undefined;

  constructor(
    readonly connId: string,
    private readonly ws: WebSocket,
    private readonly ctx: ConnectionContext,
    private readonly verifier: TokenVerifier,
    hooks: SessionHooks,
    start: HandshakeStart = {},
  ) {
    this.session = new GatewaySession(connId, 'ws', this, ctx, hooks);
    this.slot = start.slot;
    this.early = EarlyFrames.forFrameLimit(ctx.config.limits.maxFrameBytes);
    const { helloTimeoutMs } = ctx.config;
    // From the TCP accept, as documented: headers trickled for most of the timeout leave only the rest for hello.
    const leftMs = Math.max(0, (start.acceptedAt ?? Date.now()) + helloTimeoutMs - Date.now());
    this.helloTimer = setTimeout(() => this.refuse(`no hello within ${helloTimeoutMs} ms`), leftMs);
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
    if (this.state === 'closed' || this.state === 'closing') return;
    this.state = 'closing';
    this.slot?.release();
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
    if (this.state === 'closing' || this.state === 'closed') return;
    if (isBinary) {
      if (this.state === 'open') this.session.receiveBinary();
      else
        this.session.write(
          errorFrame(undefined, 'bad_frame', 'binary frames are not supported: send JSON text frames'),
        );
      return;
    }
    if (this.state === 'authenticating') {
      if (!this.early.add(data)) this.overflow();
      return;
    }
    if (this.state === 'hello') {
      // The client answered the upgrade: it no longer counts against its address's cap.
      this.slot?.release();
      const decoded = decodeClientFrame(data.toString('utf8'));
      if (!decoded.ok || decoded.frame.type !== 'hello') {
        this.refuse(
          decoded.ok
            ? `the first frame must be hello, got ${decoded.frame.type}`
            : `the first frame must be hello: ${decoded.message}`,
        );
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
      // Refused (too much sent before welcome) or gone while the token was checked: register nothing.
      if (this.state !== 'authenticating') return;
      if (!(await this.session.open(identity))) return;
      this.state = 'open';
      for (const data of this.early.take()) this.onMessage(data, false);
    } catch (error) {
      if (this.state !== 'authenticating') return;
      if (error instanceof InvalidTokenError) {
        this.refuse(`invalid token: ${error.message}`);
      } else if (error instanceof ProtocolError) {
        // Admission refused (too many connections or devices of the user).
        this.state = 'closing';
        this.ctx.metrics.handshakes.inc({ outcome: 'refused' });
        this.session.write(errorFrame(undefined, error.code, error.message, error.retryAfterMs));
        this.closeOrCut(CLOSE_CODES.overLimit, 'over limit');
      } else {
        this.ctx.log.error({ err: error }, 'hello failed');
        this.state = 'closing';
        this.session.write(
          errorFrame(undefined, 'unavailable', 'the server cannot take connections right now; reconnect later'),
        );
        this.close(CLOSE_CODES.internalError, 'unavailable');
      }
    }
  }

  /** More than the early-frame bounds before welcome: the client is not waiting for welcome as it must. */
  private overflow(): void {
    this.state = 'closing';
    this.ctx.metrics.handshakes.inc({ outcome: 'refused' });
    this.ctx.metrics.errors.inc({ code: 'too_large' });
    this.session.write(
      errorFrame(
        undefined,
        'too_large',
        `more than ${this.early.describeBounds()} sent between hello and welcome; wait for welcome`,
      ),
    );
    this.closeOrCut(CLOSE_CODES.earlyOverflow, 'too much before welcome');
  }

  private onClose(): void {
    clearTimeout(this.helloTimer);
    this.slot?.release();
    this.state = 'closed';
    this.session.ended();
  }
}
