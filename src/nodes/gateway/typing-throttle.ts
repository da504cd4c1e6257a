/**
 * Which typing frames of one user in one room are worth forwarding: at most one `start` per
 * interval (renewals in between change nothing for the watchers, whose ttl is longer), and a
 * `stop` only after a forwarded `start`. Pure: the caller passes the clock.
 */
export class TypingThrottle {
  private readonly lastStart = new Map<string, number>();

  constructor(private readonly intervalMs: number) {}

  /** Returns whether to forward; `key` is user and room. */
  admit(key: string, state: 'start' | 'stop', now: number): boolean {
    const last = this.lastStart.get(key);
    if (state === 'stop') {
      if (last === undefined) return false;
      this.lastStart.delete(key);
      return true;
    }
    if (last !== undefined && now - last < this.intervalMs) return false;
    this.lastStart.set(key, now);
    return true;
  }

  /** Drops entries older than `maxAgeMs` (their starts have expired at the watchers anyway). */
  sweep(now: number, maxAgeMs: number): void {
    for (const [key, at] of this.lastStart) if (now - at > maxAgeMs) this.lastStart.delete(key);
  }

  get size(): number {
    return this.lastStart.size;
  }
}
