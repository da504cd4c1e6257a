import WebSocket from 'ws';
import { SUBPROTOCOL, decodeServerFrame } from '../protocol/index.js';
import type { OutboundFrame } from './frames.js';
import type { ClientTransport, ConnectionListener } from './transport.js';

export interface WebSocketTransportOptions {
  /** Local source address of the socket (the simulator binds 127.x.y.z addresses). */
  localAddress?: string;
  /** Longest time for the WebSocket handshake, in ms. */
  handshakeTimeoutMs: number;
  /** After close(), how long to wait for the server's close frame before dropping the socket. */
  closeTimeoutMs?: number;
}

/**
 * The WebSocket transport: one WebSocket to a gateway, frames in and out as typed objects, and a
 * watchdog that drops the connection when the server goes silent. It knows nothing of hello,
 * sync or reconnecting: DeviceSession drives it, opening a new one for every attempt through
 * openTransport (under 'auto', inside a FallbackTransport that turns to long-poll if it never opens).
 */
export class WebSocketTransport implements ClientTransport {
  readonly kind = 'ws' as const;
  private readonly ws: WebSocket;
  private lastActivity = Date.now();
  private silenceMs = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly closed: Promise<void>;
  private readonly closeTimeoutMs: number;

  constructor(
    readonly url: string,
    options: WebSocketTransportOptions,
    private readonly listener: ConnectionListener,
  ) {
    this.closeTimeoutMs = options.closeTimeoutMs ?? 1000;
    this.ws = new WebSocket(url, [SUBPROTOCOL], {
      handshakeTimeout: options.handshakeTimeoutMs,
      // Compression costs tens of KB per socket; frames are small JSON, and a simulator
      // process holds thousands of these.
      perMessageDeflate: false,
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
    });
    this.ws.on('open', () => {
      this.lastActivity = Date.now();
      listener.onOpen();
    });
    this.ws.on('message', (data, isBinary) => this.receive(data, isBinary));
    // ws answers pings by itself; a ping still proves the server is alive.
    this.ws.on('ping', () => {
      this.lastActivity = Date.now();
    });
    this.ws.on('pong', () => {
      this.lastActivity = Date.now();
    });
    this.ws.on('error', (error) => listener.onError(error));
    this.closed = new Promise((resolve) => {
      this.ws.once('close', (code, reason) => {
        this.stopWatchdog();
        resolve();
        listener.onClose(code, reason.toString());
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Writes one frame; false when the socket is not open (the frame is dropped). */
  send(frame: OutboundFrame): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  /**
   * Terminates the socket when nothing arrives for `silenceMs` (counting from now). Called
   * with the hello timeout at open, then with ~2.5 heartbeats after welcome. One timer,
   * re-armed only when it fires, rather than reset on every frame.
   */
  watch(silenceMs: number): void {
    this.silenceMs = silenceMs;
    this.lastActivity = Date.now();
    this.stopWatchdog();
    this.armWatchdog(silenceMs);
  }

  /** Closes cleanly (code 1000 by default); resolves once the socket is closed. */
  close(code = 1000, reason = ''): Promise<void> {
    const state = this.ws.readyState;
    if (state === WebSocket.CONNECTING) {
      this.ws.terminate();
    } else if (state === WebSocket.OPEN) {
      this.ws.close(code, reason);
      const fallback = setTimeout(() => this.ws.terminate(), this.closeTimeoutMs);
      void this.closed.then(() => clearTimeout(fallback));
    }
    return this.closed;
  }

  /** Drops the socket at once, without a close handshake. */
  terminate(): void {
    this.ws.terminate();
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    this.lastActivity = Date.now();
    if (isBinary) {
      this.listener.onInvalidFrame('binary frame (protocol v1 uses text frames only)');
      return;
    }
    const text = Buffer.isBuffer(data)
      ? data.toString('utf8')
      : Array.isArray(data)
        ? Buffer.concat(data).toString('utf8')
        : Buffer.from(data).toString('utf8');
    const decoded = decodeServerFrame(text);
    if (!decoded.ok) {
      this.listener.onInvalidFrame(decoded.message);
      return;
    }
    this.listener.onFrame(decoded.frame);
  }

  private armWatchdog(delayMs: number): void {
    this.watchdog = setTimeout(() => this.checkSilence(), delayMs);
    this.watchdog.unref();
  }

  private stopWatchdog(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = undefined;
  }

  private checkSilence(): void {
    this.watchdog = undefined;
    const silent = Date.now() - this.lastActivity;
    if (silent < this.silenceMs) {
      this.armWatchdog(this.silenceMs - silent);
      return;
    }
    this.listener.onSilent(this.silenceMs);
    this.ws.terminate();
  }
}
