import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { SendEnvelope } from '../../core/bus/envelopes.js';
import type { ErrorCode } from '../../core/protocol/errors.js';
import type { Message } from '../../core/protocol/server-frames.js';
import { MESSAGE_COLUMNS, toMessage, type MessageRow } from '../../core/storage/message-store.js';
import { clientMsgKey, planBatch } from './batch-plan.js';

export type SendResult =
  | { kind: 'committed'; message: Message; replay: boolean; members: string[] }
  | { kind: 'rejected'; code: ErrorCode; message: string };

export interface Fence {
  partition: number;
  owner: string;
  epoch: number;
  lastStreamSeq: number;
}

/** The lease was taken over by another worker: this batch must not commit. */
export class FencedError extends Error {
  override name = 'FencedError';
}

/** Time-ordered, unique message ids: 8 hex chars of seconds and 12 random bytes. */
function newMessageId(now: number): string {
  return `${Math.floor(now / 1000).toString(16).padStart(8, '0')}${randomBytes(12).toString('hex')}`;
}

/**
 * Where a message gets its room sequence number. One transaction per batch: check the
 * partition lease (fencing a worker that lost it), read the rooms' members and any earlier
 * result of the same (sender, clientMsgId), bump each room's last_seq by its count of new
 * messages, and insert the messages and their idempotency keys. Postgres enforces the
 * invariants: PK (room_id, seq) forbids duplicates, the row lock on rooms orders writers,
 * PK (sender_id, client_msg_id) forbids a second message for a resend.
 */
export class RoomSequencer {
  constructor(private readonly pool: pg.Pool) {}

  async commit(sends: SendEnvelope[], fence: Fence): Promise<SendResult[]> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const results = await this.commitIn(client, sends, fence);
      await client.query('COMMIT');
      return results;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private async commitIn(client: pg.PoolClient, sends: SendEnvelope[], fence: Fence): Promise<SendResult[]> {
    const fenced = await client.query(
      'UPDATE fanout_partitions SET stream_seq = GREATEST(stream_seq, $4) WHERE partition = $1 AND owner = $2 AND epoch = $3',
      [fence.partition, fence.owner, fence.epoch, fence.lastStreamSeq],
    );
    if (fenced.rowCount !== 1) throw new FencedError(`partition ${fence.partition} is no longer owned by ${fence.owner}`);

    const rooms = [...new Set(sends.map((send) => send.room))];
    const memberRows = await client.query<{ id: string; members: string[] | null }>(
      `SELECT r.id, array_agg(m.user_id) FILTER (WHERE m.user_id IS NOT NULL) AS members
         FROM rooms r LEFT JOIN members m ON m.room_id = r.id WHERE r.id = ANY($1::text[]) GROUP BY r.id`,
      [rooms],
    );
    const membersByRoom = new Map(memberRows.rows.map((row) => [row.id, new Set(row.members ?? [])]));

    // Earlier results of the same (sender, clientMsgId): the stored message itself, so a replay
    // re-delivers exactly what was committed, whichever device sent it first.
    const committedRows = await client.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS.split(', ').map((column) => `m.${column}`).join(', ')}
         FROM unnest($1::text[], $2::text[]) AS k(sender_id, client_msg_id)
         JOIN client_msg_ids c ON c.sender_id = k.sender_id AND c.client_msg_id = k.client_msg_id
         JOIN messages m ON m.room_id = c.room_id AND m.seq = c.seq`,
      [sends.map((send) => send.sender), sends.map((send) => send.clientMsgId)],
    );
    const committed = new Map(committedRows.rows.map((row) => [clientMsgKey(row.sender_id, row.client_msg_id), toMessage(row)]));

    const plan = planBatch(sends, membersByRoom, committed);
    const nextSeq = new Map<string, number>();
    if (plan.newPerRoom.size > 0) {
      // Sorted so that two transactions touching the same rooms lock them in the same order.
      const roomIds = [...plan.newPerRoom.keys()].sort();
      const bumped = await client.query<{ id: string; last_seq: number }>(
        `UPDATE rooms r SET last_seq = r.last_seq + v.n
           FROM unnest($1::text[], $2::int[]) AS v(id, n) WHERE r.id = v.id RETURNING r.id, r.last_seq`,
        [roomIds, roomIds.map((id) => plan.newPerRoom.get(id)!)],
      );
      for (const row of bumped.rows) nextSeq.set(row.id, row.last_seq - plan.newPerRoom.get(row.id)! + 1);
    }

    const now = Date.now();
    const fresh: Message[] = [];
    const results: SendResult[] = plan.outcomes.map((outcome, index) => {
      const send = sends[index]!;
      const members = [...(membersByRoom.get(send.room) ?? [])];
      switch (outcome.kind) {
        case 'rejected':
          return { kind: 'rejected', code: outcome.code, message: outcome.message };
        case 'existing':
          return { kind: 'committed', replay: true, members, message: outcome.message };
        case 'same-as': {
          const first = fresh.find((message) => message.clientMsgId === send.clientMsgId && message.sender === send.sender)!;
          return { kind: 'committed', replay: true, members, message: first };
        }
        case 'new': {
          const seq = nextSeq.get(send.room)!;
          nextSeq.set(send.room, seq + 1);
          const message = messageOf(send, { room: send.room, seq, msgId: newMessageId(now), ts: now });
          fresh.push(message);
          return { kind: 'committed', replay: false, members, message };
        }
      }
    });

    if (fresh.length > 0) {
      await client.query(
        `INSERT INTO messages (room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts)
         SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])`,
        columns(fresh, ['room', 'seq', 'msgId', 'sender', 'senderDevice', 'clientMsgId', 'body', 'ts']),
      );
      await client.query(
        `INSERT INTO client_msg_ids (sender_id, client_msg_id, room_id, seq, msg_id, ts)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[])`,
        columns(fresh, ['sender', 'clientMsgId', 'room', 'seq', 'msgId', 'ts']),
      );
    }
    return results;
  }
}

function messageOf(send: SendEnvelope, record: { room: string; seq: number; msgId: string; ts: number }): Message {
  return {
    room: record.room,
    seq: record.seq,
    msgId: record.msgId,
    sender: send.sender,
    senderDevice: send.senderDevice,
    clientMsgId: send.clientMsgId,
    body: send.body,
    ts: record.ts,
  };
}

function columns(messages: Message[], keys: Array<keyof Message>): unknown[][] {
  return keys.map((key) => messages.map((message) => message[key]));
}
