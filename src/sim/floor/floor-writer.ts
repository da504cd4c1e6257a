import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { createRegistry } from '../../core/observability/metrics.js';
import type { FloorBatch, FloorInit, FloorSend, FloorStatus } from './floor-messages.js';
import { floorSubjects } from './floor-messages.js';

/** The floor's own table: the message columns, the primary key, nothing else. */
const CREATE_TABLE = `CREATE TABLE IF NOT EXISTS floor_messages (
  room_id text NOT NULL, seq bigint NOT NULL, msg_id text NOT NULL, sender_id text NOT NULL, sender_device text NOT NULL,
  client_msg_id text NOT NULL, body text NOT NULL, ts bigint NOT NULL, PRIMARY KEY (room_id, seq))`;

const INSERT = `INSERT INTO floor_messages (room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts)
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])`;

/**
 * The bare pipeline's writer: sends from core NATS, everything that arrived while the previous
 * insert ran goes in the next one (one statement, one commit, synchronous_commit as configured),
 * then one NATS message back to the gateway with the committed batch. Room seqs are counted in
 * memory (one writer); nothing else of chat-node's commit (leases, membership, idempotency keys,
 * JetStream acks, history cache, routes, push decisions).
 */
export async function runFloorWriter(init: FloorInit, report: (status: FloorStatus) => void): Promise<void> {
  const subjects = floorSubjects(init.namespace);
  const pool = new pg.Pool({ connectionString: init.postgresUrl, max: 2 });
  pool.on('error', () => {});
  await pool.query(CREATE_TABLE);
  const nc = await connect({ servers: init.natsUrl.split(','), name: 'floor-writer' });
  const registry = createRegistry('writer', 'floor-writer');
  const lastSeq = new Map<string, number>();
  let pending: FloorSend[] = [];
  let writing = false;

  const write = async (): Promise<void> => {
    writing = true;
    try {
      await writeAll();
    } catch (error) {
      // A measuring stick, not a store: the batch's senders get no ack and the run shows it.
      process.stderr.write(`floor writer: insert failed: ${(error as Error).message}\n`);
    } finally {
      writing = false;
    }
  };
  const writeAll = async (): Promise<void> => {
    while (pending.length > 0) {
      const sends = pending;
      pending = [];
      const ts = Date.now();
      const ids = randomBytes(16 * sends.length).toString('hex');
      const messages = sends.map((send, i) => {
        const seq = (lastSeq.get(send.r) ?? 0) + 1;
        lastSeq.set(send.r, seq);
        const message = {
          room: send.r,
          seq,
          msgId: ids.slice(32 * i, 32 * i + 32),
          sender: send.s,
          senderDevice: send.d,
          clientMsgId: send.c,
          body: send.b,
          ts,
        };
        return send.q === undefined ? { conn: send.k, message } : { conn: send.k, requestId: send.q, message };
      });
      const column = <T>(pick: (m: FloorBatch['messages'][number]['message']) => T) =>
        messages.map((m) => pick(m.message));
      await pool.query(INSERT, [
        column((m) => m.room),
        column((m) => m.seq),
        column((m) => m.msgId),
        column((m) => m.sender),
        column((m) => m.senderDevice),
        column((m) => m.clientMsgId),
        column((m) => m.body),
        column((m) => m.ts),
      ]);
      nc.publish(subjects.out, JSON.stringify({ messages } satisfies FloorBatch));
    }
  };

  nc.subscribe(subjects.send, {
    callback: (error, msg) => {
      if (error) return;
      pending.push(JSON.parse(msg.string()) as FloorSend);
      if (!writing) void write();
    },
  });
  await nc.flush();
  const server = createServer((req, res) => {
    if (req.url === '/metrics')
      void registry.metrics().then((text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text));
    else res.writeHead(req.url === '/readyz' || req.url === '/healthz' ? 200 : 404).end();
  });
  await new Promise<void>((resolve) => server.listen(init.port, '127.0.0.1', () => resolve()));
  report({ type: 'listening', port: init.port });
}
