import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WS_PATH } from '../../core/protocol/limits.js';
import { LONG_POLL_FRAMES_PATH, LONG_POLL_POLL_PATH, LONG_POLL_SESSIONS_PATH } from '../../core/protocol/long-poll.js';
import type { LongPollEndpoint } from './long-poll/long-poll-endpoint.js';
import { headerBlockRefusal, MAX_HEADER_LINES } from './upgrade-checks.js';

const LISTEN_BACKLOG = 8192;
/** Sockets accepted past the connection cap to be told 503; past these Node closes them unanswered. */
const FULL_ANSWER_ROOM = 64;

export interface ClientListenerOptions {
  /** The cap on client sockets (--max-connections); 0: none. */
  maxConnections: number;
  /** A request's headers and a WebSocket's hello must arrive within this (ms). */
  helloTimeoutMs: number;
  longPoll: LongPollEndpoint;
  /** A WebSocket upgrade request (websocket-upgrade.ts decides). */
  onUpgrade: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
}

/**
 * The client port's HTTP server: long-poll requests, a liveness answer for load balancers, the
 * upgrade handed on; and the count of open client sockets against the connection cap. Metrics,
 * readiness and traces are on the admin listener, never here.
 */
export class ClientListener {
  readonly server: Server;
  /** Client sockets open on the client port (WebSockets, long-poll requests, kept-alive HTTP). */
  private openSockets = 0;
  /** When each TCP connection was accepted: the hello timeout counts from there. */
  private readonly acceptedAt = new WeakMap<Duplex, number>();

  constructor(private readonly options: ClientListenerOptions) {
    const { longPoll, helloTimeoutMs } = options;
    // A client that trickles its request headers (slowloris) is cut once the hello time is up;
    // Node checks that deadline every connectionsCheckingInterval (30 s by default: too coarse).
    this.server = createServer(
      { headersTimeout: helloTimeoutMs, connectionsCheckingInterval: Math.min(1000, helloTimeoutMs) },
      (req, res) => {
        // A kept-alive connection that later carries an upgrade (a proxy reusing it) gets its hello time from the upgrade.
        this.acceptedAt.delete(req.socket);
        const refusal = headerBlockRefusal(req);
        if (refusal) {
          res
            .writeHead(refusal.status, { 'content-type': 'text/plain', connection: 'close' })
            .end(`${refusal.message}\n`);
          return;
        }
        const path = (req.url ?? '').split('?')[0]!;
        if (longPoll.handles(path)) {
          void longPoll.handle(req, res);
          return;
        }
        // Liveness only (load balancers ask the port they balance); the rest is on the admin listener.
        if (path === '/healthz') {
          res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return;
        }
        res
          .writeHead(404, { 'content-type': 'text/plain' })
          .end(
            `not found: the WebSocket endpoint is ${WS_PATH}; long-poll uses ${LONG_POLL_SESSIONS_PATH}, ${LONG_POLL_POLL_PATH} and ${LONG_POLL_FRAMES_PATH}\n`,
          );
      },
    );
    // One line more than may be used: a request that has it was cut short by Node (upgrade-checks.ts).
    this.server.maxHeadersCount = MAX_HEADER_LINES + 1;
    this.server.on('connection', (socket: Duplex) => {
      this.acceptedAt.set(socket, Date.now());
      this.openSockets++;
      socket.once('close', () => this.openSockets--);
    });
    // Past the cap by more than the room to answer 503s, Node closes sockets as it accepts them:
    // descriptors this process needs for Postgres, Redis and NATS are never taken by clients.
    if (options.maxConnections > 0) this.server.maxConnections = options.maxConnections + FULL_ANSWER_ROOM;
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) =>
      options.onUpgrade(req, socket, head),
    );
  }

  listen(port: number, host: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      // Node's default accept backlog (511) overflows in a reconnect storm: the kernel then
      // drops SYNs and each client waits out a 1 s retransmit. The kernel caps this at
      // net.core.somaxconn (4096 on current kernels).
      this.server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => resolve());
    });
  }

  /** The port listened on (undefined before listen). */
  get port(): number | undefined {
    const address = this.server.address();
    return typeof address === 'object' && address ? address.port : undefined;
  }

  /** When the TCP connection under an upgrade was accepted (undefined for one that carried a request first). */
  acceptedAtOf(socket: Duplex): number | undefined {
    return this.acceptedAt.get(socket);
  }

  /** At the cap: new clients are sent to another gateway (the socket asking is counted). */
  get full(): boolean {
    return this.options.maxConnections > 0 && this.openSockets > this.options.maxConnections;
  }

  get fullMessage(): string {
    return `this gateway process holds its most connections (${this.options.maxConnections}); connect to another gateway, or retry later`;
  }

  close(): Promise<void> {
    return new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
