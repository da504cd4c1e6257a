export interface BadgeReaderOptions {
  /** Users per query at most (default 500). */
  maxBatch?: number;
}

interface Waiter {
  resolve(badge: number): void;
  reject(error: unknown): void;
}

/**
 * Reads badges (unread totals) for notifications about to be sent, many users per query: the
 * users asked for while a query is out go together in the next one, one query at a time. A query
 * per notification cost a Postgres round trip each and held the pusher to ~1,700 notifications/s;
 * batched, the badge is still read at send time (at most one query later), so it means the same.
 */
export class BadgeReader {
  private waiting = new Map<string, Waiter[]>();
  private reading = false;
  private readonly maxBatch: number;

  constructor(
    /** One query for many users; a user missing from the answer gets 0. */
    private readonly read: (users: string[]) => Promise<Map<string, number>>,
    options: BadgeReaderOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 500;
  }

  badgeOf(user: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const waiters = this.waiting.get(user);
      if (waiters) waiters.push({ resolve, reject });
      else this.waiting.set(user, [{ resolve, reject }]);
      if (!this.reading) {
        this.reading = true;
        // Next turn of the event loop, so the sends started together share the first query too.
        setImmediate(() => void this.drain());
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.waiting.size > 0) {
      let batch = this.waiting;
      if (batch.size <= this.maxBatch) {
        this.waiting = new Map();
      } else {
        batch = new Map();
        for (const [user, waiters] of this.waiting) {
          if (batch.size >= this.maxBatch) break;
          batch.set(user, waiters);
        }
        for (const user of batch.keys()) this.waiting.delete(user);
      }
      try {
        const totals = await this.read([...batch.keys()]);
        for (const [user, waiters] of batch) for (const waiter of waiters) waiter.resolve(totals.get(user) ?? 0);
      } catch (error) {
        for (const waiters of batch.values()) for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.reading = false;
  }
}
