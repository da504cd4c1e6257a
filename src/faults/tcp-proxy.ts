import { connect, createServer, type Server, type Socket } from 'node:net';
import { appliesTo, describeMode, type FaultMode } from './fault-mode.js';
import { FlowPump, type Flow, type FlowRule } from './proxy-link.js';
import { TokenBucket } from './token-bucket.js';

export { describeMode, parseFaultMode, type Direction, type FaultKind, type FaultMode } from './fault-mode.js';

export interface TcpFaultProxyOptions {
  /** Where the service really is. */
  targetHost: string;
  targetPort: number;
  /** Listen address. Default 127.0.0.1. */
  listenHost?: string;
  /** Listen port. Default 0: a free port, read it from `port`. */
  listenPort?: number;
  /** The mode to start in. Default pass. */
  mode?: FaultMode;
}

/** Counters since the proxy started. */
export interface ProxyStats {
  mode: string;
  /** Connections open now. */
  open: number;
  /** Connections accepted in all (reset ones included). */
  accepted: number;
  /** Connections cut with an RST by the proxy (reset mode, or a drop healed). */
  resets: number;
  /** Bytes forwarded client -> target and target -> client, open and closed connections together. */
  bytesUp: number;
  bytesDown: number;
  /** Bytes thrown away by drop. */
  droppedUp: number;
  droppedDown: number;
}

export interface ProxyConnectionInfo {
  id: number;
  /** The client's address:port. */
  client: string;
  openedAt: number;
  bytesUp: number;
  bytesDown: number;
  droppedUp: number;
  droppedDown: number;
  /** Bytes read but not yet forwarded (delayed, rate-limited or blackholed). */
  heldUp: number;
  heldDown: number;
}

interface Connection {
  id: number;
  client: Socket;
  upstream: Socket;
  up: FlowPump;
  down: FlowPump;
  openedAt: number;
}

/**
 * A TCP proxy to put between a role and a service (or a client and a gateway) that can be told,
 * at runtime, to add latency, drop or hold bytes, reset or refuse connections, or limit bandwidth
 * (see FaultMode). It tracks its live connections and counts bytes each way.
 *
 * ```ts
 * const proxy = await TcpFaultProxy.start({ targetHost: '127.0.0.1', targetPort: 6379 });
 * // give the role redis://127.0.0.1:${proxy.port} instead of the real port
 * await proxy.setMode({ kind: 'blackhole' });   // nothing flows, connections stay open
 * await proxy.heal();                           // back to pass; held bytes flow on
 * await proxy.close();
 * ```
 */
export class TcpFaultProxy {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private current: FaultMode = { kind: 'pass' };
  private buckets: Partial<Record<Flow, TokenBucket>> = {};
  private listening = false;
  private closed = false;
  private nextId = 1;
  private totals = { accepted: 0, resets: 0, bytesUp: 0, bytesDown: 0, droppedUp: 0, droppedDown: 0 };
  /** The port it listens on (fixed after start, also across refuse and heal). */
  port = 0;
  readonly host: string;

  private constructor(private readonly options: TcpFaultProxyOptions) {
    this.host = options.listenHost ?? '127.0.0.1';
    // Half-open both ways: a client that shuts down its side still gets the rest of the reply.
    this.server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
  }

  /** Starts listening; resolves once the port is bound. */
  static async start(options: TcpFaultProxyOptions): Promise<TcpFaultProxy> {
    const proxy = new TcpFaultProxy(options);
    await proxy.listen(options.listenPort ?? 0);
    if (options.mode) await proxy.setMode(options.mode);
    return proxy;
  }

  /** `host:port` clients should use instead of the target's. */
  get address(): string {
    return `${this.host}:${this.port}`;
  }

  get target(): string {
    return `${this.options.targetHost}:${this.options.targetPort}`;
  }

  get mode(): FaultMode {
    return this.current;
  }

  /**
   * Switches mode; live connections follow at once (reset cuts them, a heal resumes held bytes).
   * Resolves once the listener is closed (refuse) or listening again.
   */
  async setMode(mode: FaultMode): Promise<void> {
    if (this.closed) throw new Error('the proxy is closed');
    const previous = this.current;
    this.current = mode;
    this.buckets = {};
    if (mode.kind === 'bandwidth') {
      const now = Date.now();
      for (const flow of ['up', 'down'] as const)
        if (appliesTo(mode, flow)) this.buckets[flow] = TokenBucket.forRate(mode.bytesPerSec, now);
    }
    if (mode.kind === 'reset') for (const c of [...this.connections]) this.reset(c);
    // A byte stream with a hole in it would desynchronise any protocol: end those connections once the drop is over.
    if (previous.kind === 'drop' && mode.kind !== 'drop') {
      for (const c of [...this.connections]) if (c.up.dropped + c.down.dropped > 0) this.reset(c);
    }
    if (mode.kind === 'refuse' && this.listening) await this.unlisten();
    if (mode.kind !== 'refuse' && !this.listening) await this.listen(this.port);
    for (const c of this.connections) {
      c.up.kick();
      c.down.kick();
    }
  }

  /** Back to pass. */
  heal(): Promise<void> {
    return this.setMode({ kind: 'pass' });
  }

  stats(): ProxyStats {
    const open = [...this.connections];
    const sum = (pick: (c: Connection) => number) => open.reduce((total, c) => total + pick(c), 0);
    return {
      mode: describeMode(this.current),
      open: open.length,
      accepted: this.totals.accepted,
      resets: this.totals.resets,
      bytesUp: this.totals.bytesUp + sum((c) => c.up.bytes),
      bytesDown: this.totals.bytesDown + sum((c) => c.down.bytes),
      droppedUp: this.totals.droppedUp + sum((c) => c.up.dropped),
      droppedDown: this.totals.droppedDown + sum((c) => c.down.dropped),
    };
  }

  /** The live connections, oldest first. */
  liveConnections(): ProxyConnectionInfo[] {
    return [...this.connections].map((c) => ({
      id: c.id,
      client: `${c.client.remoteAddress ?? '?'}:${c.client.remotePort ?? '?'}`,
      openedAt: c.openedAt,
      bytesUp: c.up.bytes,
      bytesDown: c.down.bytes,
      droppedUp: c.up.dropped,
      droppedDown: c.down.dropped,
      heldUp: c.up.held,
      heldDown: c.down.held,
    }));
  }

  /** Stops listening and destroys every connection (plain close, no RST). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const c of [...this.connections]) {
      c.client.destroy();
      c.upstream.destroy();
      this.forget(c);
    }
    if (this.listening) await this.unlisten();
  }

  private accept(client: Socket): void {
    this.totals.accepted++;
    if (this.current.kind === 'reset' || this.closed) {
      this.totals.resets++;
      rst(client);
      return;
    }
    const upstream = connect({ host: this.options.targetHost, port: this.options.targetPort, allowHalfOpen: true });
    const rule = (flow: Flow) => this.rule(flow);
    const c: Connection = {
      id: this.nextId++,
      client,
      upstream,
      up: new FlowPump('up', client, upstream, rule),
      down: new FlowPump('down', upstream, client, rule),
      openedAt: Date.now(),
    };
    this.connections.add(c);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // One side failing is passed on as a reset of the other, the way a router in the path would see it.
    client.on('error', () => rst(upstream));
    upstream.on('error', () => rst(client));
    let closed = 0;
    const onClose = () => {
      if (++closed === 2) this.forget(c);
    };
    client.once('close', onClose);
    upstream.once('close', onClose);
    client.resume();
  }

  private rule(flow: Flow): FlowRule {
    const mode = this.current;
    if (!appliesTo(mode, flow)) return FORWARD;
    switch (mode.kind) {
      case 'latency': {
        const { ms, jitterMs = 0 } = mode;
        return { action: 'forward', delayMs: () => ms + Math.random() * jitterMs };
      }
      case 'bandwidth':
        return { action: 'forward', delayMs: NO_DELAY, bucket: this.buckets[flow] };
      case 'drop':
        return { action: 'discard' };
      case 'blackhole':
        return { action: 'hold' };
      default:
        return FORWARD;
    }
  }

  private reset(c: Connection): void {
    this.totals.resets++;
    c.up.stop();
    c.down.stop();
    rst(c.client);
    rst(c.upstream);
    this.forget(c);
  }

  private forget(c: Connection): void {
    if (!this.connections.delete(c)) return;
    c.up.stop();
    c.down.stop();
    this.totals.bytesUp += c.up.bytes;
    this.totals.bytesDown += c.down.bytes;
    this.totals.droppedUp += c.up.dropped;
    this.totals.droppedDown += c.down.dropped;
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.host, port }, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        if (address !== null && typeof address !== 'string') this.port = address.port;
        this.listening = true;
        resolve();
      });
    });
  }

  /** Stops accepting; server.close's callback waits for live connections, which refuse keeps, so do not wait for it. */
  private unlisten(): Promise<void> {
    this.listening = false;
    this.server.close();
    return Promise.resolve();
  }
}

const NO_DELAY = () => 0;
const FORWARD: FlowRule = { action: 'forward', delayMs: NO_DELAY };

/** Cuts a connection with a TCP RST (the peer's next read or write gets ECONNRESET). */
function rst(socket: Socket): void {
  if (socket.destroyed) return;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
