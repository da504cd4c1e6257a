import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Gauge } from 'prom-client';
import { WebSocketServer, type WebSocket } from 'ws';
import { createRegistry } from '../../core/observability/metrics.js';
import type { FloorBatch, FloorInit, FloorSend, FloorStatus } from './floor-messages.js';
import { floorSubjects } from './floor-messages.js';

/**
 * The bare pipeline's gateway: WebSocket in, parse, publish to core NATS; committed batches
 * from the writer out to the members' sockets. None of chat-node's logic: the token is read,
 * not verified; a room's members are what room.create said, kept in memory; no membership or
 * rate check, no JetStream, no routing registry. It answers just enough of protocol v1 for the
 * simulator's client (hello, room.create, sync, presence.query, read, ping) so that the same load
 * generator and oracle measure it; a device that goes offline finds nothing to sync.
 */

interface FloorRoom {
  id: string;
  kind: 'direct' | 'group';
  name: string;
  members: string[];
  owner: string;
}

interface FloorSession {
  conn: number;
  user: string;
  device: string;
  ws: WebSocket;
}

const LIMITS = { maxFrameBytes: 16_384, maxBodyChars: 4000, maxGroupMembers: 100 };

export async function runFloorGateway(init: FloorInit, report: (status: FloorStatus) => void): Promise<void> {
  const subjects = floorSubjects(init.namespace);
  const nc: NatsConnection = await connect({ servers: init.natsUrl.split(','), name: 'floor-gateway' });
  const registry = createRegistry('gateway', 'floor-gateway');
  const rooms = new Map<string, FloorRoom>();
  const byUser = new Map<string, Set<FloorSession>>();
  const byConn = new Map<number, FloorSession>();
  new Gauge({
    name: 'chat_gateway_connections',
    help: 'Open WebSocket sessions',
    registers: [registry],
    collect() {
      this.set(byConn.size);
    },
  });
  let nextConn = 0;

  nc.subscribe(subjects.out, {
    callback: (error, msg) => {
      if (error) return;
      const batch = JSON.parse(msg.string()) as FloorBatch;
      for (const { conn, requestId, message } of batch.messages) {
        const frame = JSON.stringify({ type: 'msg', message });
        // Like chat-node: not to the sending connection, whose ack stands for the message there.
        for (const member of rooms.get(message.room)?.members ?? []) {
          for (const session of byUser.get(member) ?? []) if (session.conn !== conn) session.ws.send(frame);
        }
        const { room, clientMsgId, msgId, seq, ts } = message;
        byConn.get(conn)?.ws.send(JSON.stringify({ type: 'ack', id: requestId, room, clientMsgId, msgId, seq, ts }));
      }
    },
  });

  const roomsOf = (user: string) => [...rooms.values()].filter((room) => room.members.includes(user)).map(roomObject);
  const handle = (session: FloorSession, frame: Record<string, unknown>): void => {
    const id = typeof frame.id === 'string' ? frame.id : undefined;
    const reply = (answer: Record<string, unknown>) =>
      session.ws.send(JSON.stringify(id === undefined ? answer : { ...answer, id }));
    switch (frame.type) {
      case 'send': {
        const send: FloorSend = {
          r: String(frame.room),
          c: String(frame.clientMsgId),
          b: String(frame.body),
          s: session.user,
          d: session.device,
          k: session.conn,
        };
        if (id !== undefined) send.q = id;
        nc.publish(subjects.send, JSON.stringify(send));
        return;
      }
      case 'room.create': {
        const others = (frame.members as string[]).filter((member) => member !== session.user);
        const members = [session.user, ...new Set(others)];
        const kind = frame.kind === 'group' ? 'group' : 'direct';
        const roomId =
          kind === 'direct'
            ? `f${createHash('sha1')
                .update([...members].sort().join('\n'))
                .digest('base64url')
                .slice(0, 20)}`
            : `g${randomBytes(10).toString('base64url')}`;
        const room = rooms.get(roomId) ?? {
          id: roomId,
          kind,
          name: typeof frame.name === 'string' ? frame.name : '',
          members,
          owner: session.user,
        };
        rooms.set(roomId, room);
        reply({ type: 'room', room: roomObject(room) });
        return;
      }
      case 'sync':
        reply({ type: 'sync.done', rooms: roomsOf(session.user) });
        return;
      case 'rooms.list':
        reply({ type: 'rooms', rooms: roomsOf(session.user) });
        return;
      case 'presence.query':
        // Everyone online: the simulator waits for its devices' presence views to converge.
        reply({
          type: 'presence',
          users: (frame.users as string[]).map((user) => ({ user, status: 'online', lastSeen: Date.now() })),
        });
        return;
      case 'ping':
        reply({ type: 'pong' });
        return;
      case 'typing':
        return;
      case 'read':
      case 'push.register':
      case 'push.unregister':
        reply({ type: 'ok' });
        return;
      default:
        reply({ type: 'error', code: 'bad_frame', message: `the floor does not serve ${String(frame.type)}` });
    }
  };

  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    maxPayload: LIMITS.maxFrameBytes,
    handleProtocols: () => 'chat.v1',
  });
  wss.on('connection', (ws) => {
    let session: FloorSession | undefined;
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString()) as Record<string, unknown>;
      if (session) return handle(session, frame);
      const claims = JSON.parse(Buffer.from(String(frame.token).split('.')[1] ?? '', 'base64url').toString('utf8')) as {
        sub: string;
        device: string;
      };
      session = { conn: ++nextConn, user: claims.sub, device: claims.device, ws };
      byConn.set(session.conn, session);
      let own = byUser.get(session.user);
      if (!own) byUser.set(session.user, (own = new Set()));
      own.add(session);
      ws.send(
        JSON.stringify({
          type: 'welcome',
          user: session.user,
          device: session.device,
          heartbeatMs: 30_000,
          limits: LIMITS,
        }),
      );
    });
    ws.on('error', () => {});
    ws.on('close', () => {
      if (!session) return;
      byConn.delete(session.conn);
      byUser.get(session.user)?.delete(session);
    });
  });
  const server = createServer((req, res) => {
    if (req.url === '/metrics') {
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    } else if (req.url === '/readyz' || req.url === '/healthz') {
      res.writeHead(200).end('{"ready":true}');
    } else {
      res.writeHead(404).end();
    }
  });
  server.on('upgrade', (req, socket, head) =>
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)),
  );
  await new Promise<void>((resolve) => server.listen(init.port, '127.0.0.1', () => resolve()));
  report({ type: 'listening', port: init.port });
}

function roomObject(room: FloorRoom): Record<string, unknown> {
  return {
    id: room.id,
    kind: room.kind,
    name: room.name,
    members: room.members,
    owner: room.owner,
    lastSeq: 0,
    readSeq: 0,
    unread: 0,
  };
}
