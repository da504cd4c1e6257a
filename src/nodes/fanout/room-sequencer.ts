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

// Read phase: the rooms' members and any earlier result of the same (sender, clientMsgId) — the
// stored message itself, so a replay re-delivers exactly what was committed, whichever device
// sent it first. One round trip.
const READ_SQL = `
  SELECT
    (SELECT json_agg(json_build_object('id', r.id, 'members',
              (SELECT coalesce(json_agg(m.user_id), '[]'::json) FROM members m WHERE m.room_id = r.id)))
       FROM rooms r WHERE r.id = ANY($1::text[])) AS rooms,
    (SELECT json_agg(json_build_object(${MESSAGE_COLUMNS.split(', ').map((c) => `'${c}', msg.${c}`).join(', ')}))
       FROM unnest($2::text[], $3::text[]) AS k(sender_id, client_msg_id)
       JOIN client_msg_ids c ON c.sender_id = k.sender_id AND c.client_msg_id = k.client_msg_id
       JOIN messages msg ON msg.room_id = c.room_id AND msg.seq = c.seq) AS committed`;

// Write phase: one statement, so one atomic transaction. The fence row exists only while this
// worker still owns the partition at this epoch; every other part joins it, so a fenced worker
// changes nothing. Each room's last_seq is bumped by its count of new messages and the new
// messages take the seqs below the bumped value, in batch order (ordinal k of n).
const WRITE_SQL = `
  WITH fence AS (
    UPDATE fanout_partitions SET stream_seq = GREATEST(stream_seq, $4)
     WHERE partition = $1 AND owner = $2 AND epoch = $3 RETURNING 1
  ), counts AS (
    SELECT room_id, count(*)::int AS n FROM unnest($5::text[]) AS v(room_id) GROUP BY room_id
  ), bump AS (
    UPDATE rooms r SET last_seq = r.last_seq + c.n FROM counts c, fence
     WHERE r.id = c.room_id RETURNING r.id, r.last_seq, c.n
  ), fresh AS (
    SELECT v.room_id, b.last_seq - b.n + v.k AS seq, v.msg_id, v.sender_id, v.sender_device, v.client_msg_id, v.body, v.ts
      FROM unnest($5::text[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[])
           AS v(room_id, k, msg_id, sender_id, sender_device, client_msg_id, body, ts)
      JOIN bump b ON b.id = v.room_id
  ), stored AS (
    INSERT INTO messages (room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts)
    SELECT room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts FROM fresh RETURNING 1
  ), keyed AS (
    INSERT INTO client_msg_ids (sender_id, client_msg_id, room_id, seq, msg_id, ts)
    SELECT sender_id, client_msg_id, room_id, seq, msg_id, ts FROM fresh RETURNING 1
  )
  SELECT (SELECT count(*) FROM fence)::int AS owned, (SELECT json_agg(json_build_object('id', id, 'last_seq', last_seq)) FROM bump) AS bumped,
         (SELECT count(*) FROM stored)::int AS stored, (SELECT count(*) FROM keyed)::int AS keyed`;

/**
 * Where a message gets its room sequence number. Two round trips per batch: read the rooms'
 * members and earlier results, decide (planBatch), then one statement that checks the
 * partition lease (fencing a worker that lost it), bumps each room's last_seq and inserts the
 * messages and their idempotency keys. Postgres enforces the invariants: PK (room_id, seq)
 * forbids a duplicate seq, the row lock on rooms orders writers, PK (sender_id, client_msg_id)
 * forbids a second message for a resend (a race between partitions fails the statement, and the
 * worker's retry then finds the first result).
 */
export class RoomSequencer {
  constructor(private readonly pool: pg.Pool) {}

  async commit(sends: SendEnvelope[], fence: Fence): Promise<SendResult[]> {
    const rooms = [...new Set(sends.map((send) => send.room))];
    // Named, so each connection plans these once: planning over the partitions costs more than running them.
    const read = await this.pool.query<{ rooms: Array<{ id: string; members: string[] }> | null; committed: MessageRow[] | null }>({
      name: 'sequencer-read',
      text: READ_SQL,
      values: [rooms, sends.map((send) => send.sender), sends.map((send) => send.clientMsgId)],
    });
    const row = read.rows[0];
    const membersByRoom = new Map((row?.rooms ?? []).map((room) => [room.id, new Set(room.members)]));
    const committed = new Map((row?.committed ?? []).map((stored) => [clientMsgKey(stored.sender_id, stored.client_msg_id), toMessage(stored)]));
    const plan = planBatch(sends, membersByRoom, committed);

    const now = Date.now();
    const ordinal = new Map<string, number>();
    /** For each new send (by batch index): its message without the seq, and its ordinal k in its room. */
    const freshAt: Array<{ message: Omit<Message, 'seq'>; k: number } | undefined> = [];
    const fresh: Array<{ message: Omit<Message, 'seq'>; k: number }> = [];
    for (const outcome of plan.outcomes) {
      if (outcome.kind !== 'new') continue;
      const send = sends[outcome.index]!;
      const k = (ordinal.get(send.room) ?? 0) + 1;
      ordinal.set(send.room, k);
      const entry = {
        k,
        message: { room: send.room, msgId: newMessageId(now), sender: send.sender, senderDevice: send.senderDevice, clientMsgId: send.clientMsgId, body: send.body, ts: now },
      };
      freshAt[outcome.index] = entry;
      fresh.push(entry);
    }
    // Sorted by room so that concurrent statements lock rooms rows in one order.
    fresh.sort((a, b) => (a.message.room < b.message.room ? -1 : a.message.room > b.message.room ? 1 : a.k - b.k));
    const write = await this.pool.query<{ owned: number; bumped: Array<{ id: string; last_seq: number }> | null; stored: number; keyed: number }>({
      name: 'sequencer-write',
      text: WRITE_SQL,
      values: [
        fence.partition,
        fence.owner,
        fence.epoch,
        fence.lastStreamSeq,
        fresh.map((f) => f.message.room),
        fresh.map((f) => f.k),
        fresh.map((f) => f.message.msgId),
        fresh.map((f) => f.message.sender),
        fresh.map((f) => f.message.senderDevice),
        fresh.map((f) => f.message.clientMsgId),
        fresh.map((f) => f.message.body),
        fresh.map((f) => f.message.ts),
      ],
    });
    const outcome = write.rows[0];
    if (!outcome || outcome.owned !== 1) throw new FencedError(`partition ${fence.partition} is no longer owned by ${fence.owner}`);
    const lastSeq = new Map((outcome.bumped ?? []).map((bumped) => [bumped.id, Number(bumped.last_seq)]));
    const seqOf = (room: string, k: number) => lastSeq.get(room)! - plan.newPerRoom.get(room)! + k;

    const messages: Message[] = [];
    return plan.outcomes.map((decision, index): SendResult => {
      const send = sends[index]!;
      const members = [...(membersByRoom.get(send.room) ?? [])];
      switch (decision.kind) {
        case 'rejected':
          return { kind: 'rejected', code: decision.code, message: decision.message };
        case 'existing':
          return { kind: 'committed', replay: true, members, message: decision.message };
        case 'same-as':
          return { kind: 'committed', replay: true, members, message: messages[decision.index]! };
        case 'new': {
          const { message: m, k } = freshAt[index]!;
          // Same key order as rows read back (toMessage), so the cache stores one JSON per message.
          const message: Message = { room: m.room, seq: seqOf(m.room, k), msgId: m.msgId, sender: m.sender, senderDevice: m.senderDevice, clientMsgId: m.clientMsgId, body: m.body, ts: m.ts };
          messages[index] = message;
          return { kind: 'committed', replay: false, members, message };
        }
      }
    });
  }
}
