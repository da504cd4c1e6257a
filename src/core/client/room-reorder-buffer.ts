/**
 * Turns the messages of one room, as they arrive (live, from sync, from history, more than
 * once, out of order), into the room's timeline: each seq once, in increasing order, no
 * gaps. Pure: no I/O, no timers.
 *
 * The cursor is the last contiguous seq delivered. Anything at or below it is a duplicate.
 * The next seq is delivered at once, with every buffered successor that follows it. A seq
 * further ahead is held until the gap below it is filled (by the caller, with `history`).
 */

/** The one thing the buffer needs to know about a message. */
export interface Sequenced {
  readonly seq: number;
}

/** A range of missing seqs: cursor+1 .. before-1 (`before` is exclusive, as in `history`). */
export interface Gap {
  /** The first seq above the gap (history's `before`). */
  before: number;
  /** How many seqs are missing. */
  count: number;
}

/**
 * Default bound on held messages per room. A sync of a truncated room hands over up to
 * SYNC_ROOM_CAP (1000) messages above a gap before the jump releases them, and live
 * messages keep arriving meanwhile, hence twice that.
 */
export const DEFAULT_REORDER_CAPACITY = 2000;

const NOTHING: readonly never[] = Object.freeze([]);

export class RoomReorderBuffer<M extends Sequenced> {
  private cursorSeq: number;
  /** Highest seq known to exist: seen (even if dropped for capacity) or announced. */
  private highest: number;
  /** Held messages, ascending by seq, every one above cursor + 1. Allocated on first use. */
  private held: M[] | undefined;

  constructor(
    cursor = 0,
    private readonly capacity = DEFAULT_REORDER_CAPACITY,
  ) {
    this.cursorSeq = cursor;
    this.highest = cursor;
  }

  /** The last contiguous seq delivered. */
  get cursor(): number {
    return this.cursorSeq;
  }

  /** The highest seq known to exist in the room. */
  get highestKnown(): number {
    return this.highest;
  }

  /** How many messages are held above a gap. */
  get heldCount(): number {
    return this.held?.length ?? 0;
  }

  /** Seqs of the held messages, ascending (for tests and diagnostics). */
  heldSeqs(): number[] {
    return this.held?.map((m) => m.seq) ?? [];
  }

  /**
   * Takes one message; returns what became deliverable, in order (often just the message,
   * nothing for a duplicate or a message held above a gap).
   */
  accept(message: M): readonly M[] {
    const seq = message.seq;
    if (seq > this.highest) this.highest = seq;
    if (seq <= this.cursorSeq) return NOTHING;
    if (seq === this.cursorSeq + 1) {
      this.cursorSeq = seq;
      const following = this.drain();
      return following.length === 0 ? [message] : [message, ...following];
    }
    this.hold(message);
    return NOTHING;
  }

  /**
   * Moves the cursor forward to `seq` on purpose (a truncated sync: older messages were
   * skipped), drops what it passes and returns what became deliverable. Never moves back.
   */
  jumpTo(seq: number): readonly M[] {
    if (seq <= this.cursorSeq) return NOTHING;
    this.cursorSeq = seq;
    if (seq > this.highest) this.highest = seq;
    const held = this.held;
    if (held && held.length > 0) {
      let passed = 0;
      while (passed < held.length && held[passed]!.seq <= seq) passed++;
      if (passed > 0) held.splice(0, passed);
    }
    return this.drain();
  }

  /** Records that the room has messages up to `seq` (e.g. sync.done's lastSeq). */
  noteExists(seq: number): void {
    if (seq > this.highest) this.highest = seq;
  }

  /**
   * The lowest missing range, if any: below the lowest held message, or, with nothing
   * held, up to the highest seq known to exist.
   */
  gap(): Gap | undefined {
    const lowestHeld = this.held?.[0]?.seq;
    const before = lowestHeld ?? (this.highest > this.cursorSeq ? this.highest + 1 : undefined);
    if (before === undefined) return undefined;
    return { before, count: before - this.cursorSeq - 1 };
  }

  /** Forgets everything above the cursor, held or known (the device left the room). */
  forgetAbove(): void {
    this.held = undefined;
    this.highest = this.cursorSeq;
  }

  private hold(message: M): void {
    const held = (this.held ??= []);
    const seq = message.seq;
    // Messages mostly arrive ascending, so look from the end.
    let at = held.length;
    while (at > 0 && held[at - 1]!.seq > seq) at--;
    if (at > 0 && held[at - 1]!.seq === seq) return; // already held
    if (held.length >= this.capacity) {
      // Keep the lowest seqs: they are the ones the cursor needs next. What is dropped
      // stays known through `highest`, so a later gap fill fetches it again.
      if (at === held.length) return;
      held.pop();
    }
    held.splice(at, 0, message);
  }

  private drain(): M[] {
    const held = this.held;
    if (!held || held.length === 0) return [];
    let next = 0;
    while (next < held.length && held[next]!.seq === this.cursorSeq + 1) {
      this.cursorSeq = held[next]!.seq;
      next++;
    }
    if (next === 0) return [];
    return held.splice(0, next);
  }
}
