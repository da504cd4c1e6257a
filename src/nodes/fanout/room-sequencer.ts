import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { SendEnvelope } from '../../core/bus/envelopes.js';
import type { ErrorCode } from '../../core/protocol/errors.js';
import type { Message } from '../../core/protocol/server-frames.js';
import { toMessage, type MessageRow } from '../../core/storage/message-store.js';
import type { PushRegistration } from '../../core/storage/push-store.js';
import { clientMsgKey, planBatch } from './batch-plan.js';
import { COMMIT_SQL, READ_SQL, WRITE_SQL } from './sequencer-sql.js';

export type SendResult =
  | {
      kind: 'committed';
      message: Message;
      replay: boolean;
      /** The room's members at commit time: whom the message goes to. */
      members: string[];
      /** Their push registrations, read by the same statement. */
      registrations: PushRegistration[];
      /**
       * Users who may see the sender's presence from now on: this was its first message in a
       * direct room (members.has_sent), and they are the room's other member.
       */
      revealedTo?: string[];
    }
  | { kind: 'rejected'; code: ErrorCode; message: string };

/** A room as the commit statements return it (ROOM_OBJECT in sequencer-sql.ts). */
interface RoomRow {
  id: string;
  /** rooms.members_version when the members were read; a commit bumps the room only at it. */
  version: number;
  members: string[];
  pushes: Array<[string, string, 'apns' | 'fcm', string, boolean, string[]]> | null;
}

function registrationsOf(room: RoomRow | undefined): PushRegistration[] {
  return (room?.pushes ?? []).map(([user, device, platform, token, preview, mutedRooms]) => ({
    user,
    device,
    platform,
    token,
    preview,
    mutedRooms,
  }));
}

/** [sender, room, other member] per first message in a direct room (REVEALED in sequencer-sql.ts). */
type RevealedRow = [string, string, string];

/** Hands each sender's reveal in a room to one result: its first committed message there. */
class Reveals {
  private readonly byKey = new Map<string, string[]>();

  constructor(rows: RevealedRow[] | null | undefined) {
    for (const [sender, room, other] of rows ?? []) {
      const key = `${sender}\u0000${room}`;
      this.byKey.set(key, [...(this.byKey.get(key) ?? []), other]);
    }
  }

  take(sender: string, room: string): { revealedTo?: string[] } {
    const key = `${sender}\u0000${room}`;
    const revealedTo = this.byKey.get(key);
    if (!revealedTo) return {};
    this.byKey.delete(key);
    return { revealedTo };
  }
}

/** The lease a batch is committed under: its partition, held by owner at epoch. */
export interface Fence {
  partition: number;
  owner: string;
  epoch: number;
}

/** One partition's batch; a worker's batches of several partitions commit together. */
export interface PartitionBatch {
  sends: SendEnvelope[];
  fence: Fence;
}

/**
 * A send's result, or undefined when its room was left alone because a membership removal
 * committed after its members were read (RACED in sequencer-sql.ts): commit it again.
 */
type Attempt = SendResult | undefined;

/** How many times one batch is committed again after removals raced it before giving up. */
const RACE_RETRIES = 5;

/** The lease was taken over by another worker: this batch must not commit. */
export class FencedError extends Error {
  override name = 'FencedError';
}

const UNIQUE_VIOLATION = '23505';

function fencedOrThrow(error: unknown): FencedError {
  if (error instanceof FencedError) return error;
  throw error;
}

/**
 * Time-ordered, unique message ids, 32 hex chars: seconds (8), this process's random prefix (12)
 * and a counter (12). Unique across processes by the 48-bit random prefix, within one by the
 * counter; drawing 12 random bytes per message instead cost 1.6% of a fan-out's CPU.
 */
const ID_PREFIX = randomBytes(6).toString('hex');
let idCounter = 0;
function newMessageIds(now: number, count: number): string[] {
  const seconds = Math.floor(now / 1000)
    .toString(16)
    .padStart(8, '0');
  return Array.from(
    { length: count },
    () => `${seconds}${ID_PREFIX}${(idCounter++ % 2 ** 48).toString(16).padStart(12, '0')}`,
  );
}

/**
 * Where a message gets its room sequence number. Normally one statement (COMMIT_SQL) for the
 * batches of several partitions: it checks each partition's lease (fencing a worker that lost
 * it) and the senders' membership, bumps each room's last_seq and inserts the messages and
 * their idempotency keys. When a send of a batch was committed before, two round trips for that
 * batch instead: read the earlier results, decide (planBatch), write (WRITE_SQL). Postgres
 * enforces the invariants: PK (room_id, seq) forbids a duplicate seq, the row lock on rooms
 * orders writers, PK (sender_id, client_msg_id) forbids a second message for a resend (a race
 * between partitions fails the statement, and the worker's retry then finds the first result).
 *
 * Over 400 lines: the commit's fast path, its careful path for resends and its retry of raced
 * removals share the result types and must agree on them; the SQL is in sequencer-sql.ts.
 */
export class RoomSequencer {
  constructor(private readonly pool: pg.Pool) {}

  /** Commits one partition's batch; throws FencedError when its lease is lost. */
  async commit(sends: SendEnvelope[], fence: Fence): Promise<SendResult[]> {
    const [outcome] = await this.commitBatches([{ sends, fence }]);
    if (outcome instanceof Error) throw outcome;
    return outcome!;
  }

  /**
   * Commits the batches of several partitions (one owner), in one statement when none holds a
   * send committed before. Per batch: its results, or a FencedError when its lease is lost.
   * A failure of the statement itself (Postgres down, bad data) rejects the whole call.
   */
  async commitBatches(batches: PartitionBatch[]): Promise<Array<SendResult[] | FencedError>> {
    const fresh = batches.filter(
      (batch) =>
        new Set(batch.sends.map((send) => clientMsgKey(send.sender, send.clientMsgId))).size === batch.sends.length,
    );
    const outcomes = new Map<PartitionBatch, SendResult[] | FencedError>();
    if (fresh.length > 0) {
      try {
        const results = await this.commitFresh(fresh);
        for (const [index, batch] of fresh.entries()) {
          const attempts = results[index]!;
          outcomes.set(
            batch,
            attempts instanceof FencedError
              ? attempts
              : await this.settleRaced(batch.sends, attempts, batch.fence, RACE_RETRIES).catch(fencedOrThrow),
          );
        }
      } catch (error) {
        if ((error as { code?: string }).code !== UNIQUE_VIOLATION) throw error;
      }
    }
    // Batches holding a resend (or sharing a statement with one) go one by one, carefully.
    for (const batch of batches) {
      if (!outcomes.has(batch))
        outcomes.set(batch, await this.commitCarefully(batch.sends, batch.fence, RACE_RETRIES).catch(fencedOrThrow));
    }
    return batches.map((batch) => outcomes.get(batch)!);
  }

  /**
   * Commits again, carefully, the sends a removal raced (their whole rooms: the rest of the batch
   * is committed, and a room's sends stay in batch order) and fills in their results.
   */
  private async settleRaced(
    sends: SendEnvelope[],
    attempts: Attempt[],
    fence: Fence,
    retries: number,
  ): Promise<SendResult[]> {
    const raced = attempts.flatMap((attempt, index) => (attempt === undefined ? [index] : []));
    if (raced.length === 0) return attempts as SendResult[];
    if (retries === 0)
      throw new Error(`membership removals kept racing the commit of ${raced.length} sends; the batch will be retried`);
    const again = await this.commitCarefully(
      raced.map((index) => sends[index]!),
      fence,
      retries - 1,
    );
    const settled = [...attempts];
    raced.forEach((index, position) => (settled[index] = again[position]!));
    return settled as SendResult[];
  }

  /** One statement for batches in which nothing was committed before (the common case). */
  private async commitFresh(batches: PartitionBatch[]): Promise<Array<Attempt[] | FencedError>> {
    const owner = batches[0]!.fence.owner;
    if (batches.some((batch) => batch.fence.owner !== owner))
      throw new Error('batches of different owners cannot commit together');
    const now = Date.now();
    const sends = batches.flatMap((batch) => batch.sends);
    const partOf = batches.flatMap((batch) => batch.sends.map(() => batch.fence.partition));
    const msgIds = newMessageIds(now, sends.length);
    const result = await this.pool.query<{
      owned: number[];
      seqs: Array<[number, number]> | null;
      rooms: RoomRow[] | null;
      raced: string[];
      revealed: RevealedRow[] | null;
    }>({
      name: 'sequencer-commit',
      text: COMMIT_SQL,
      values: [
        batches.map((batch) => batch.fence.partition),
        owner,
        batches.map((batch) => batch.fence.epoch),
        partOf,
        sends.map((send) => send.room),
        msgIds,
        sends.map((send) => send.sender),
        sends.map((send) => send.senderDevice),
        sends.map((send) => send.clientMsgId),
        sends.map((send) => send.body),
        sends.map(() => now),
      ],
    });
    const row = result.rows[0];
    const owned = new Set(row?.owned ?? []);
    const seqByOrdinal = new Map((row?.seqs ?? []).map(([ordinal, seq]) => [Number(ordinal), Number(seq)]));
    const roomById = new Map((row?.rooms ?? []).map((room) => [room.id, room]));
    const registrationsByRoom = new Map([...roomById.values()].map((room) => [room.id, registrationsOf(room)]));
    const raced = new Set(row?.raced ?? []);
    const reveals = new Reveals(row?.revealed);
    let offset = 0;
    return batches.map((batch) => {
      const first = offset;
      offset += batch.sends.length;
      const { partition } = batch.fence;
      if (!owned.has(partition)) return new FencedError(`partition ${partition} is no longer owned by ${owner}`);
      return batch.sends.map((send, index): Attempt => {
        if (raced.has(send.room)) return undefined;
        const seq = seqByOrdinal.get(first + index + 1);
        const members = roomById.get(send.room)?.members;
        if (seq === undefined) {
          return members
            ? { kind: 'rejected', code: 'forbidden', message: `you are not a member of room ${send.room}` }
            : { kind: 'rejected', code: 'not_found', message: `room ${send.room} does not exist` };
        }
        const message: Message = {
          room: send.room,
          seq,
          msgId: msgIds[first + index]!,
          sender: send.sender,
          senderDevice: send.senderDevice,
          clientMsgId: send.clientMsgId,
          body: send.body,
          ts: now,
        };
        return {
          kind: 'committed',
          replay: false,
          members: members ?? [],
          registrations: registrationsByRoom.get(send.room) ?? [],
          message,
          ...reveals.take(send.sender, send.room),
        };
      });
    });
  }

  /** Reads what was committed before, decides per send (planBatch), then writes. */
  private async commitCarefully(sends: SendEnvelope[], fence: Fence, retries: number): Promise<SendResult[]> {
    return this.settleRaced(sends, await this.commitCarefullyOnce(sends, fence), fence, retries);
  }

  private async commitCarefullyOnce(sends: SendEnvelope[], fence: Fence): Promise<Attempt[]> {
    const rooms = [...new Set(sends.map((send) => send.room))];
    // Named, so each connection plans these once: planning over the partitions costs more than running them.
    const read = await this.pool.query<{ rooms: RoomRow[] | null; committed: MessageRow[] | null }>({
      name: 'sequencer-read',
      text: READ_SQL,
      values: [rooms, sends.map((send) => send.sender), sends.map((send) => send.clientMsgId)],
    });
    const row = read.rows[0];
    const membersByRoom = new Map((row?.rooms ?? []).map((room) => [room.id, new Set(room.members)]));
    const registrationsByRoom = new Map((row?.rooms ?? []).map((room) => [room.id, registrationsOf(room)]));
    const versionByRoom = new Map((row?.rooms ?? []).map((room) => [room.id, room.version]));
    const committed = new Map(
      (row?.committed ?? []).map((stored) => [clientMsgKey(stored.sender_id, stored.client_msg_id), toMessage(stored)]),
    );
    const plan = planBatch(sends, membersByRoom, committed);

    const now = Date.now();
    const ids = newMessageIds(now, plan.outcomes.length);
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
        message: {
          room: send.room,
          msgId: ids[outcome.index]!,
          sender: send.sender,
          senderDevice: send.senderDevice,
          clientMsgId: send.clientMsgId,
          body: send.body,
          ts: now,
        },
      };
      freshAt[outcome.index] = entry;
      fresh.push(entry);
    }
    // Sorted by room so that concurrent statements lock rooms rows in one order.
    fresh.sort((a, b) => (a.message.room < b.message.room ? -1 : a.message.room > b.message.room ? 1 : a.k - b.k));
    const write = await this.pool.query<{
      owned: number;
      bumped: Array<{ id: string; last_seq: number }> | null;
      stored: number;
      keyed: number;
      raced: string[];
      revealed: RevealedRow[] | null;
    }>({
      name: 'sequencer-write',
      text: WRITE_SQL,
      values: [
        fence.partition,
        fence.owner,
        fence.epoch,
        fresh.map((f) => f.message.room),
        fresh.map((f) => f.k),
        fresh.map((f) => f.message.msgId),
        fresh.map((f) => f.message.sender),
        fresh.map((f) => f.message.senderDevice),
        fresh.map((f) => f.message.clientMsgId),
        fresh.map((f) => f.message.body),
        fresh.map((f) => f.message.ts),
        fresh.map((f) => versionByRoom.get(f.message.room) ?? 0),
      ],
    });
    const outcome = write.rows[0];
    if (!outcome || outcome.owned !== 1)
      throw new FencedError(`partition ${fence.partition} is no longer owned by ${fence.owner}`);
    const raced = racedSends(sends, plan.outcomes, new Set(outcome.raced));
    const lastSeq = new Map((outcome.bumped ?? []).map((bumped) => [bumped.id, Number(bumped.last_seq)]));
    const seqOf = (room: string, k: number) => lastSeq.get(room)! - plan.newPerRoom.get(room)! + k;
    const reveals = new Reveals(outcome.revealed);

    const messages: Message[] = [];
    return plan.outcomes.map((decision, index): Attempt => {
      if (raced.has(index)) return undefined;
      const send = sends[index]!;
      const members = [...(membersByRoom.get(send.room) ?? [])];
      const registrations = registrationsByRoom.get(send.room) ?? [];
      switch (decision.kind) {
        case 'rejected':
          return { kind: 'rejected', code: decision.code, message: decision.message };
        case 'existing':
          return { kind: 'committed', replay: true, members, registrations, message: decision.message };
        case 'same-as':
          return { kind: 'committed', replay: true, members, registrations, message: messages[decision.index]! };
        case 'new': {
          const { message: m, k } = freshAt[index]!;
          // Same key order as rows read back (toMessage), so the cache stores one JSON per message.
          const message: Message = {
            room: m.room,
            seq: seqOf(m.room, k),
            msgId: m.msgId,
            sender: m.sender,
            senderDevice: m.senderDevice,
            clientMsgId: m.clientMsgId,
            body: m.body,
            ts: m.ts,
          };
          messages[index] = message;
          return {
            kind: 'committed',
            replay: false,
            members,
            registrations,
            message,
            ...reveals.take(m.sender, m.room),
          };
        }
      }
    });
  }
}

/**
 * The sends to commit again after a careful write left `racedRooms` alone: every send of those
 * rooms, and any send that repeats one of them (a same-as outcome takes its result from the send
 * it repeats, which will have none now).
 */
function racedSends(
  sends: SendEnvelope[],
  outcomes: ReturnType<typeof planBatch>['outcomes'],
  racedRooms: Set<string>,
): Set<number> {
  const raced = new Set<number>();
  if (racedRooms.size === 0) return raced;
  outcomes.forEach((outcome, index) => {
    if (racedRooms.has(sends[index]!.room) || (outcome.kind === 'same-as' && raced.has(outcome.index)))
      raced.add(index);
  });
  return raced;
}
