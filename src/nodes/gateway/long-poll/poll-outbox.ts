/**
 * The frames of one long-poll session that its client has not acknowledged, numbered 1, 2,
 * 3, ... in the order they were written. A poll names the cursor it holds (the number of the
 * last frame it received, 0 at first); that acknowledges every frame up to it and asks for
 * the ones after. A poll whose answer was lost is retried with the same cursor and gets the
 * same frames again: nothing lost, nothing numbered twice. Pure: no I/O, no clock.
 */

export interface PollBatch {
  /** The number of the last frame in `frames`; the cursor of the poll when `frames` is empty. */
  cursor: number;
  /** Serialized frames, oldest first. */
  frames: string[];
  /** True when frames after these are waiting (the batch hit its size limit). */
  more: boolean;
}

/** A cursor the outbox cannot serve: frames it names were never written or were already dropped. */
export class CursorError extends Error {
  override name = 'CursorError';
}

interface Entry {
  n: number;
  text: string;
  bytes: number;
}

export class PollOutbox {
  private entries: Entry[] = [];
  /** Index of the first entry still kept; entries before it were acknowledged. */
  private head = 0;
  private last = 0;
  private acknowledged = 0;
  private held = 0;

  /** Bytes of the frames kept (written, not yet acknowledged). */
  get bytes(): number {
    return this.held;
  }

  /** Number of the newest frame written (0 before the first). */
  get lastCursor(): number {
    return this.last;
  }

  get pending(): number {
    return this.entries.length - this.head;
  }

  push(text: string): number {
    const bytes = Buffer.byteLength(text);
    this.entries.push({ n: ++this.last, text, bytes });
    this.held += bytes;
    return this.last;
  }

  /** Drops every frame numbered up to `cursor` (the client has them). */
  acknowledge(cursor: number): void {
    if (!Number.isSafeInteger(cursor) || cursor < 0)
      throw new CursorError(`cursor must be a whole number >= 0, got ${cursor}`);
    if (cursor > this.last)
      throw new CursorError(`cursor ${cursor} is ahead of the newest frame of this session (${this.last})`);
    if (cursor < this.acknowledged) {
      throw new CursorError(
        `cursor ${cursor} is behind this session's acknowledged cursor ${this.acknowledged}: a later poll already took those frames`,
      );
    }
    while (this.head < this.entries.length && this.entries[this.head]!.n <= cursor) {
      this.held -= this.entries[this.head]!.bytes;
      this.head++;
    }
    this.acknowledged = cursor;
    // Compact now and then rather than shift() per frame.
    if (this.head > 1024 && this.head * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Forgets every frame not yet acknowledged, as if a poll had taken them, but keeps the
   * numbering: a later poll with any cursor up to the newest is still in range, and is
   * answered with no frames.
   */
  dropPending(): void {
    this.entries = [];
    this.head = 0;
    this.held = 0;
  }

  /** The unacknowledged frames, oldest first, at most `maxBytes` (but always at least one). */
  read(maxBytes: number): PollBatch {
    const frames: string[] = [];
    let bytes = 0;
    let cursor = this.acknowledged;
    let index = this.head;
    for (; index < this.entries.length; index++) {
      const entry = this.entries[index]!;
      if (frames.length > 0 && bytes + entry.bytes > maxBytes) break;
      frames.push(entry.text);
      bytes += entry.bytes;
      cursor = entry.n;
    }
    return { cursor, frames, more: index < this.entries.length };
  }
}
