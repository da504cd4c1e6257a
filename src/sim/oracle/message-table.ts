import type { AckRecord } from '../sim-types.js';
import type { FindingLog } from './finding-log.js';
import type { OracleViolation, OracleViolationKind, OracleWarning, OracleWarningKind } from './oracle-types.js';
import type { RunIndex } from './run-index.js';

/** What the run says is at one (room, seq): the first account of it (an ack, else a delivery). */
export interface MessageEntry {
  room: string;
  seq: number;
  sender: string;
  clientMsgId: string;
  ack: AckRecord | undefined;
  /** Copies shown by devices. */
  copies: number;
  /** Missing on at least one device (set by the completeness check). */
  missing: boolean;
  /** Other messages seen at this (room, seq): each reported once as a conflict. */
  variants?: Array<{ sender: string; clientMsgId: string }>;
}

interface RoomMessages {
  bySeq: Map<number, MessageEntry>;
  maxAcked: number;
  maxObserved: number;
  /** Highest lastSeq a device reported for the room at the end. */
  maxReported: number;
  /** Ascending seqs of the acked messages, built by finishAcks(). */
  ackedSeqs: number[];
}

export type Violations = FindingLog<OracleViolationKind, OracleViolation>;
export type Warnings = FindingLog<OracleWarningKind, OracleWarning>;

const NONE: readonly number[] = [];

/**
 * Every message of the run's plan rooms, by (room, seq), from acks first and then from what
 * devices showed, and the consistency checks that need all of them: one message per (room,
 * seq) ('conflict'), one (room, seq) per send ('duplicate'), seqs gap-free ('seq-gap').
 * One entry per message, whatever the number of copies: a delivery only compares two
 * strings with the entry's, it allocates nothing.
 */
export class MessageTable {
  private readonly rooms = new Map<string, RoomMessages>();
  /** Sender -> clientMsgId -> the message it became. */
  private readonly bySend = new Map<string, Map<string, MessageEntry>>();
  /** Sender -> clientMsgIds of planned sends that got an ack. */
  private readonly ackedSends = new Map<string, Set<string>>();
  private entries = 0;

  constructor(
    private readonly index: RunIndex,
    private readonly violations: Violations,
    private readonly warnings: Warnings,
  ) {}

  get size(): number {
    return this.entries;
  }

  /** Files one ack (a resend's repeated ack changes nothing). */
  recordAck(ack: AckRecord): void {
    const planned = this.index.plannedSend(ack.user, ack.clientMsgId);
    const known = this.bySend.get(ack.user)?.get(ack.clientMsgId);
    if (known && known.ack && known.room === ack.room && known.seq === ack.seq) return;
    if (!planned) {
      this.warn({
        kind: 'unplanned-ack',
        room: ack.room,
        seq: ack.seq,
        user: ack.user,
        device: ack.device,
        detail: `ack of ${ack.clientMsgId}, which the plan never sent`,
      });
    } else {
      let mine = this.ackedSends.get(ack.user);
      if (!mine) this.ackedSends.set(ack.user, (mine = new Set()));
      mine.add(ack.clientMsgId);
      const plannedRoom = this.index.rooms.get(ack.room);
      if (plannedRoom?.key !== planned.room) {
        this.violation({
          kind: 'conflict',
          room: ack.room,
          seq: ack.seq,
          user: ack.user,
          device: ack.device,
          detail: `${ack.user}/${ack.clientMsgId} was sent to room ${planned.room} but acked in ${plannedRoom ? `room ${plannedRoom.key}` : `unknown room ${ack.room}`}`,
        });
      }
    }
    const room = this.room(ack.room);
    if (!room) return;
    const entry = this.place(room, ack.room, ack.seq, ack.user, ack.clientMsgId, {
      user: ack.user,
      device: ack.device,
      ack: true,
    });
    if (entry.sender === ack.user && entry.clientMsgId === ack.clientMsgId) entry.ack ??= ack;
    if (ack.seq > room.maxAcked) room.maxAcked = ack.seq;
  }

  /** Planned sends with at least one ack. */
  get ackedPlanned(): number {
    let count = 0;
    for (const sends of this.ackedSends.values()) count += sends.size;
    return count;
  }

  /** All acks are in: the acked seqs of each room are fixed from here on. */
  finishAcks(): void {
    for (const room of this.rooms.values()) {
      const seqs: number[] = [];
      for (const entry of room.bySeq.values()) if (entry.ack) seqs.push(entry.seq);
      room.ackedSeqs = seqs.sort((a, b) => a - b);
    }
  }

  /** A device showed (room, seq) with this content. Rooms outside the plan are not tracked. */
  observe(roomId: string, seq: number, sender: string, clientMsgId: string, user: string, device: string): void {
    const room = this.room(roomId);
    if (!room) return;
    if (seq > room.maxObserved) room.maxObserved = seq;
    const existing = room.bySeq.get(seq);
    // The common case, a further copy of a known message, compares two strings and is done.
    if (existing && existing.sender === sender && existing.clientMsgId === clientMsgId) {
      existing.copies++;
      return;
    }
    this.place(room, roomId, seq, sender, clientMsgId, { user, device, ack: false }).copies++;
  }

  /** The lastSeq a device knew for the room at the end (it bounds the gap check). */
  noteLastSeq(roomId: string, lastSeq: number): void {
    const room = this.room(roomId);
    if (room && lastSeq > room.maxReported) room.maxReported = lastSeq;
  }

  /** Ascending seqs of the room's acked messages (after finishAcks). */
  ackedSeqs(roomId: string): readonly number[] {
    return this.rooms.get(roomId)?.ackedSeqs ?? NONE;
  }

  get(roomId: string, seq: number): MessageEntry | undefined {
    return this.rooms.get(roomId)?.bySeq.get(seq);
  }

  /**
   * Seqs are gap-free per room: every seq from 1 to the highest one acked, shown or reported
   * as lastSeq must be known from an ack or a delivery. One that nobody saw and nobody was
   * acked for is a message the server numbered and then lost (or a seq it skipped).
   */
  checkGaps(): void {
    for (const [roomId, room] of this.rooms) {
      const top = Math.max(room.maxAcked, room.maxObserved, room.maxReported);
      // Walks the known seqs, not 1..top: a bogus huge seq must not mean a huge loop.
      const known = [...room.bySeq.keys()].sort((a, b) => a - b);
      let expected = 1;
      for (const seq of [...known, top + 1]) {
        if (seq > expected) this.gap(roomId, room, expected, Math.min(seq, top + 1) - 1, top);
        if (seq >= expected) expected = seq + 1;
      }
    }
  }

  /** Seqs from..to of the room are known to nobody: one violation each (listed while there is room). */
  private gap(roomId: string, room: RoomMessages, from: number, to: number, top: number): void {
    for (let seq = from; seq <= to && this.violations.listing(); seq++, from++) {
      this.violation({
        kind: 'seq-gap',
        room: roomId,
        seq,
        detail: `no device showed seq ${seq} and no send was acked with it (room goes up to ${top}: acked ${room.maxAcked}, shown ${room.maxObserved}, lastSeq ${room.maxReported})`,
      });
    }
    if (to >= from) this.violations.count('seq-gap', to - from + 1);
  }

  /** Warns once per message that devices showed but whose sender never got an ack. */
  warnUnackedDelivered(): void {
    for (const room of this.rooms.values()) {
      for (const entry of room.bySeq.values()) {
        if (entry.ack) continue;
        if (!this.warnings.listing()) {
          this.warnings.count('unacked-delivered');
          continue;
        }
        const planned = this.index.plannedSend(entry.sender, entry.clientMsgId) !== undefined;
        this.warn({
          kind: 'unacked-delivered',
          room: entry.room,
          seq: entry.seq,
          user: entry.sender,
          detail: `${entry.sender}/${entry.clientMsgId} was shown by ${entry.copies} device(s) but its sender never got an ack${planned ? '' : ' (and the plan never sent it)'}`,
        });
      }
    }
  }

  /** Messages that the completeness check marked missing on at least one device. */
  get missingMessages(): number {
    let count = 0;
    for (const room of this.rooms.values()) for (const entry of room.bySeq.values()) if (entry.missing) count++;
    return count;
  }

  private room(roomId: string): RoomMessages | undefined {
    let room = this.rooms.get(roomId);
    if (!room && this.index.rooms.has(roomId)) {
      room = { bySeq: new Map(), maxAcked: 0, maxObserved: 0, maxReported: 0, ackedSeqs: [] };
      this.rooms.set(roomId, room);
    }
    return room;
  }

  /** The entry at (room, seq), made from this account if it is the first; a different account is a conflict. */
  private place(
    room: RoomMessages,
    roomId: string,
    seq: number,
    sender: string,
    clientMsgId: string,
    witness: Witness,
  ): MessageEntry {
    const existing = room.bySeq.get(seq);
    if (existing) {
      if (existing.sender !== sender || existing.clientMsgId !== clientMsgId)
        this.conflict(existing, sender, clientMsgId, witness);
      return existing;
    }
    const entry: MessageEntry = { room: roomId, seq, sender, clientMsgId, ack: undefined, copies: 0, missing: false };
    room.bySeq.set(seq, entry);
    this.entries++;
    let sends = this.bySend.get(sender);
    if (!sends) this.bySend.set(sender, (sends = new Map<string, MessageEntry>()));
    const earlier = sends.get(clientMsgId);
    if (earlier) {
      // The same send numbered twice: a resend was committed as a second message.
      this.violation({
        kind: 'duplicate',
        room: roomId,
        seq,
        user: sender,
        detail: `${sender}/${clientMsgId} is both ${describeAt(this.index, earlier.room, earlier.seq)} and ${describeAt(this.index, roomId, seq)} (${describeWitness(witness)})`,
      });
    } else {
      sends.set(clientMsgId, entry);
    }
    return entry;
  }

  private conflict(entry: MessageEntry, sender: string, clientMsgId: string, witness: Witness): void {
    if (entry.variants?.some((variant) => variant.sender === sender && variant.clientMsgId === clientMsgId)) return;
    (entry.variants ??= []).push({ sender, clientMsgId });
    this.violation({
      kind: 'conflict',
      room: entry.room,
      seq: entry.seq,
      user: witness.user,
      device: witness.device,
      detail: `${describeAt(this.index, entry.room, entry.seq)} is ${entry.sender}/${entry.clientMsgId}${entry.ack ? ' (acked)' : ''}, but ${describeWitness(witness)} has ${sender}/${clientMsgId} there`,
    });
  }

  private violation(finding: OracleViolation): void {
    const roomKey = this.index.roomKey(finding.room);
    this.violations.add(roomKey === undefined ? finding : { ...finding, roomKey });
  }

  private warn(finding: OracleWarning): void {
    const roomKey = this.index.roomKey(finding.room);
    this.warnings.add(roomKey === undefined ? finding : { ...finding, roomKey });
  }
}

/** Who gave an account of a message: a device that showed it, or the ack its sender got. */
interface Witness {
  user: string;
  device: string;
  ack: boolean;
}

function describeWitness(witness: Witness): string {
  return witness.ack ? `the ack to ${witness.user}/${witness.device}` : `device ${witness.user}/${witness.device}`;
}

export function describeAt(index: RunIndex, roomId: string, seq: number): string {
  const key = index.roomKey(roomId);
  return `${key === undefined ? roomId : key}#${seq}`;
}
