import { TokenBucket } from './token-bucket.js';

/** Full buckets are forgotten at most this often (a sweep walks every bucket). */
const SWEEP_EVERY_MS = 60_000;

/**
 * A token bucket per user, for one gateway process (room.create and room.members.add count the
 * users they add). A bucket lives while it is not full: an idle user costs nothing, and the
 * buckets of users who stopped are dropped by a sweep that runs as takes come in.
 */
export class UserRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();
  private sweptAt: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now = Date.now(),
  ) {
    this.sweptAt = now;
  }

  /** Takes `count` tokens of `user`'s bucket; 0 when allowed, else the ms to wait. */
  take(user: string, count: number, now: number): number {
    if (now - this.sweptAt >= SWEEP_EVERY_MS) this.sweep(now);
    let bucket = this.buckets.get(user);
    if (!bucket) {
      bucket = new TokenBucket(this.ratePerSec, this.burst, now);
      this.buckets.set(user, bucket);
    }
    return bucket.take(now, count);
  }

  /** Users with a bucket that is not full (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  sweep(now: number): void {
    this.sweptAt = now;
    for (const [user, bucket] of this.buckets) if (bucket.isFull(now)) this.buckets.delete(user);
  }
}
