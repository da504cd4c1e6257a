import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { InboundFrame, OutboundFrame, OutboundOf } from '../../../src/core/client/frames.js';
import type { Room } from '../../../src/core/protocol/index.js';

/**
 * A scripted stand-in for a gateway, only to unit-test the client's state machine (hello,
 * welcome, sync, acks, goaway, closes). It speaks protocol v1 frames but implements none of
 * the server: each test scripts the answers it needs. The real end-to-end tests run the
 * client against the real cluster.
 */

export interface FakeGatewayOptions {
  heartbeatMs?: number;
  /** Token -> identity; undefined rejects it (error unauthorized + close 4401). Default: "user:device" tokens, "bad" rejected. */
  authenticate?: (token: string) => { user: string; device: string } | undefined;
  /** Answer every sync at once with sync.done and these rooms. Default true (with no rooms); false leaves sync to the test. */
  autoSync?: boolean;
  rooms?: Room[];
}

export class FakeSession {
  /** Subprotocols the client offered. */
  readonly offered: string[];
  readonly received: OutboundFrame[] = [];
  user: string | undefined;
  device: string | undefined;
  readonly closed: Promise<number>;
  private unread: OutboundFrame[] = [];
  private waiting: { type: string; resolve: (frame: OutboundFrame) => void; reject: (error: Error) => void }[] = [];

  constructor(
    readonly socket: WebSocket,
    offered: string[],
  ) {
    this.offered = offered;
    this.closed = new Promise((resolve) =>
      socket.once('close', (code) => {
        for (const w of this.waiting.splice(0)) w.reject(new Error('the session closed'));
        resolve(code);
      }),
    );
    socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as OutboundFrame;
      this.received.push(frame);
      const at = this.waiting.findIndex((w) => w.type === frame.type);
      if (at >= 0) {
        const [w] = this.waiting.splice(at, 1);
        w!.resolve(frame);
      } else {
        this.unread.push(frame);
      }
    });
  }

  /** The next frame of this type not yet taken (waits for it). */
  next<K extends OutboundFrame['type']>(type: K, timeoutMs = 3000): Promise<OutboundOf<K>> {
    const at = this.unread.findIndex((f) => f.type === type);
    if (at >= 0) return Promise.resolve(this.unread.splice(at, 1)[0] as OutboundOf<K>);
    if (this.socket.readyState >= 2) return Promise.reject(new Error('the session closed'));
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => reject(new Error(`no ${type} frame within ${timeoutMs} ms`)), timeoutMs)
          : undefined;
      this.waiting.push({
        type,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame as OutboundOf<K>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
    });
  }

  /** Types of every frame received, in order. */
  types(): string[] {
    return this.received.map((f) => f.type);
  }

  send(frame: InboundFrame | Record<string, unknown>): void {
    this.socket.send(JSON.stringify(frame));
  }

  close(code: number, reason = ''): void {
    this.socket.close(code, reason);
  }

  terminate(): void {
    this.socket.terminate();
  }
}

export class FakeGateway {
  readonly sessions: FakeSession[] = [];
  /** Sessions that said hello and got a welcome. */
  readonly welcomed: FakeSession[] = [];
  private readonly server: WebSocketServer;
  private readonly options: Required<Omit<FakeGatewayOptions, 'rooms'>> & { rooms: Room[] };
  private sessionWaiters: ((session: FakeSession) => void)[] = [];
  private untaken: FakeSession[] = [];

  private constructor(server: WebSocketServer, options: FakeGatewayOptions) {
    this.server = server;
    this.options = {
      heartbeatMs: options.heartbeatMs ?? 5000,
      authenticate:
        options.authenticate ??
        ((token) => {
          if (token === 'bad') return undefined;
          const [user = 'alice', device = 'd1'] = token.split(':');
          return { user, device };
        }),
      autoSync: options.autoSync ?? true,
      rooms: options.rooms ?? [],
    };
    server.on('connection', (socket, request) => {
      const offered = String(request.headers['sec-websocket-protocol'] ?? '')
        .split(',')
        .map((p) => p.trim())
        .filter(Boolean);
      const session = new FakeSession(socket, offered);
      this.sessions.push(session);
      void this.serve(session);
    });
  }

  static async start(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
    const server = new WebSocketServer({
      port: 0,
      host: '127.0.0.1',
      path: '/v1/ws',
      handleProtocols: (protocols) => (protocols.has('chat.v1') ? 'chat.v1' : false),
    });
    await once(server, 'listening');
    return new FakeGateway(server, options);
  }

  get url(): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/ws`;
  }

  /** Rooms sync.done reports when autoSync is on. */
  setRooms(rooms: Room[]): void {
    this.options.rooms = rooms;
  }

  /** Welcomed sessions, each once, in the order they were welcomed (waits for the next one). */
  nextWelcomed(timeoutMs = 3000): Promise<FakeSession> {
    const ready = this.untaken.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no welcomed session within ${timeoutMs} ms`)), timeoutMs);
      this.sessionWaiters.push((session) => {
        clearTimeout(timer);
        resolve(session);
      });
    });
  }

  async stop(): Promise<void> {
    for (const session of this.sessions) session.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async serve(session: FakeSession): Promise<void> {
    const hello = await session.next('hello', 0).catch(() => undefined);
    if (!hello) return;
    const identity = this.options.authenticate(hello.token);
    if (!identity) {
      session.send({ type: 'error', code: 'unauthorized', message: 'bad token' });
      session.close(4401, 'unauthorized');
      return;
    }
    session.user = identity.user;
    session.device = identity.device;
    session.send({
      type: 'welcome',
      user: identity.user,
      device: identity.device,
      heartbeatMs: this.options.heartbeatMs,
      limits: { maxFrameBytes: 16384, maxBodyChars: 4000, maxGroupMembers: 100 },
    });
    this.welcomed.push(session);
    const waiter = this.sessionWaiters.shift();
    if (waiter) waiter(session);
    else this.untaken.push(session);
    void this.answerPings(session);
    if (this.options.autoSync) {
      const sync = await session.next('sync', 0).catch(() => undefined);
      if (sync) session.send({ type: 'sync.done', id: sync.id, rooms: this.options.rooms });
    }
  }

  private async answerPings(session: FakeSession): Promise<void> {
    for (;;) {
      const ping = await session.next('ping', 0).catch(() => undefined);
      if (!ping) return;
      session.send({ type: 'pong', id: ping.id });
    }
  }
}
