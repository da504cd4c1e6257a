import type { Message, Room } from '../protocol/index.js';

/**
 * The device's list of rooms with their counters (lastSeq, readSeq, unread), kept current
 * between the server's snapshots (sync.done, room, rooms) from the messages and read
 * events the device sees. Pure.
 *
 * A snapshot is exact when taken; live traffic then moves lastSeq and unread. To merge a
 * snapshot that is older than what was seen live (a `room` frame read before the latest
 * messages), or to lower unread exactly when a read event arrives, the directory keeps the
 * seqs of messages from others counted since the last snapshot (bounded: once it is full,
 * the oldest are only counted, and a later partial read estimates them).
 */

/** Most per-room seqs remembered for unread accounting. */
export const UNREAD_TAIL_LIMIT = 256;

interface Entry {
  room: Room;
  /** Seqs of messages from others counted into `unread` since the last snapshot, ascending. */
  tail: number[];
}

export type SnapshotOutcome = 'member' | 'left';

export class RoomDirectory {
  private readonly entries = new Map<string, Entry>();
  private me: string | undefined;

  /** Whose counters these are (the welcome's user): their own messages are never unread. */
  setUser(user: string): void {
    this.me = user;
  }

  /** Every room, as copies. */
  list(): Room[] {
    return [...this.entries.values()].map((entry) => ({ ...entry.room }));
  }

  get(room: string): Room | undefined {
    const entry = this.entries.get(room);
    return entry ? { ...entry.room } : undefined;
  }

  /**
   * A server snapshot of one room (`room` frame, or one room of sync.done / rooms).
   * Returns 'left' (and forgets the room) when the user is no longer a member.
   */
  applySnapshot(incoming: Room): SnapshotOutcome {
    const { truncated: _truncated, ...snapshot } = incoming;
    if (this.me !== undefined && !snapshot.members.includes(this.me)) {
      this.entries.delete(snapshot.id);
      return 'left';
    }
    const entry = this.entries.get(snapshot.id);
    if (!entry) {
      this.entries.set(snapshot.id, { room: snapshot, tail: [] });
      return 'member';
    }
    const localRead = entry.room.readSeq;
    if (snapshot.lastSeq >= entry.room.lastSeq) {
      entry.room = snapshot;
      entry.tail = [];
    } else {
      // Seen live beyond this snapshot: keep our lastSeq and add what we counted above it.
      const tail = entry.tail.filter((seq) => seq > snapshot.lastSeq && seq > snapshot.readSeq);
      entry.room = { ...snapshot, lastSeq: entry.room.lastSeq, unread: snapshot.unread + tail.length };
      entry.tail = tail;
    }
    if (localRead > entry.room.readSeq) this.advanceRead(entry, localRead);
    return 'member';
  }

  /**
   * The full list (sync.done, rooms.list): rooms not in it are rooms the user left.
   * Returns the ids that were dropped.
   */
  replaceAll(rooms: readonly Room[]): string[] {
    const kept = new Set<string>();
    for (const room of rooms) if (this.applySnapshot(room) === 'member') kept.add(room.id);
    const dropped: string[] = [];
    for (const id of this.entries.keys()) {
      if (!kept.has(id)) dropped.push(id);
    }
    for (const id of dropped) this.entries.delete(id);
    return dropped;
  }

  /**
   * A message entered the room's timeline (exactly once per seq). Messages at or below the
   * known lastSeq are already counted by the snapshot that announced it.
   */
  noteMessage(message: Message): void {
    const entry = this.entries.get(message.room);
    if (!entry || message.seq <= entry.room.lastSeq) return;
    entry.room.lastSeq = message.seq;
    if (message.sender === this.me || message.seq <= entry.room.readSeq) return;
    entry.room.unread++;
    entry.tail.push(message.seq);
    if (entry.tail.length > UNREAD_TAIL_LIMIT) entry.tail.shift();
  }

  /** A read event (or our own markRead). Only the user's own read position moves counters. */
  noteRead(room: string, user: string, seq: number): void {
    if (user !== this.me) return;
    const entry = this.entries.get(room);
    if (entry && seq > entry.room.readSeq) this.advanceRead(entry, seq);
  }

  private advanceRead(entry: Entry, seq: number): void {
    const { room, tail } = entry;
    // Unread messages not in the tail lie at or below `boundary`; at most boundary - seq
    // of them can still be above the new read position.
    const untracked = Math.max(0, room.unread - tail.length);
    const boundary = tail.length > 0 ? tail[0]! - 1 : room.lastSeq;
    const stillUntracked = Math.min(untracked, Math.max(0, boundary - seq));
    entry.tail = tail.filter((s) => s > seq);
    room.readSeq = seq;
    room.unread = stillUntracked + entry.tail.length;
  }
}
