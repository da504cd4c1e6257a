import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { SUBPROTOCOL, WS_PATH } from '../../core/protocol/limits.js';
import type { HandshakeStart } from './client-connection.js';
import type { ClientListener } from './client-listener.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import { addressKey, type PendingHandshakes } from './pending-handshakes.js';
import { upgradeRefusal } from './upgrade-checks.js';
import type { UpgradeOrigins } from './upgrade-origins.js';

export interface WebSocketUpgradeOptions {
  maxFrameBytes: number;
  maxPendingPerIp: number;
  listener: ClientListener;
  pending: PendingHandshakes;
  origins: UpgradeOrigins;
  metrics: GatewayMetrics;
  /** Why this gateway takes no new client now (shutting down, cut off from NATS), or undefined. */
  unavailable: () => string | undefined;
  /** A WebSocket upgraded: its connection (hello, then the session) starts. */
  open: (ws: WebSocket, start: HandshakeStart) => void;
}

/**
 * The WebSocket upgrade: every refusal that costs less than a WebSocket (wrong path, the cap,
 * a gateway that cannot serve, a bad Origin or header, too many handshakes from one address)
 * answered in plain HTTP before ws does the upgrade.
 */
export class WebSocketUpgrade {
  private readonly wss: WebSocketServer;

  constructor(private readonly options: WebSocketUpgradeOptions) {
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxFrameBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(SUBPROTOCOL) ? SUBPROTOCOL : false),
    });
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const { listener, pending, metrics } = this.options;
    const path = (req.url ?? '').split('?')[0];
    const reject = (status: number, message: string, headers: Record<string, string> = {}) => {
      const lines = Object.entries(headers)
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\ncontent-type: text/plain\r\n${lines}connection: close\r\n\r\n${message}\n`,
      );
    };
    if (path !== WS_PATH) return reject(404, `the WebSocket endpoint is ${WS_PATH}`);
    if (listener.full) return reject(503, listener.fullMessage, { 'retry-after': '1' });
    const unavailable = this.options.unavailable();
    if (unavailable !== undefined) return reject(503, unavailable);
    const refusal = upgradeRefusal(req, this.options.origins);
    if (refusal) return reject(refusal.status, refusal.message, refusal.headers);
    if (socket.destroyed) return;
    // Refused before the upgrade: a WebSocket and its session cost far more than this answer.
    const slot = pending.tryEnter(addressKey(req.socket.remoteAddress));
    if (!slot) {
      metrics.pendingRefused.inc({ transport: 'ws' });
      return reject(
        429,
        `${this.options.maxPendingPerIp} connections from your address are waiting for their hello; send hello right after the upgrade, or retry later`,
        { 'retry-after': '1' },
      );
    }
    // Also when ws refuses the upgrade itself (bad method, Upgrade or key) and never hands over a socket.
    socket.once('close', () => slot.release());
    const start: HandshakeStart = { slot, acceptedAt: listener.acceptedAtOf(socket) };
    this.wss.handleUpgrade(req, socket, head, (ws) => this.options.open(ws, start));
  }

  close(): void {
    this.wss.close();
  }
}
