import type { Timers } from '../../../src/core/client/typing-tracker.js';

/**
 * A hand-driven clock for the client's pure parts: time moves only in advance(), and the
 * armed timers are visible, so a test can check how many a part keeps.
 */
export class FakeTimers implements Timers {
  private time = 0;
  private nextHandle = 1;
  private readonly pending = new Map<number, { at: number; callback: () => void }>();
  /** Every setTimeout ever called (armed or re-armed). */
  armedTotal = 0;

  now(): number {
    return this.time;
  }

  setTimeout(callback: () => void, ms: number): unknown {
    const handle = this.nextHandle++;
    this.pending.set(handle, { at: this.time + Math.max(0, ms), callback });
    this.armedTotal++;
    return handle;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Timers armed and not yet fired or cleared. */
  get active(): number {
    return this.pending.size;
  }

  /** When the next timer fires, if any. */
  get nextAt(): number | undefined {
    let next: number | undefined;
    for (const timer of this.pending.values()) if (next === undefined || timer.at < next) next = timer.at;
    return next;
  }

  /** Moves time forward by `ms`, firing due timers in order (each at its own time). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let due: [number, { at: number; callback: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= end && (!due || entry[1].at < due[1].at)) due = entry;
      if (!due) break;
      this.pending.delete(due[0]);
      this.time = due[1].at;
      due[1].callback();
    }
    this.time = end;
  }
}
