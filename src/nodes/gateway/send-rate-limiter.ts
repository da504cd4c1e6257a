/**
 * Token bucket per connection: `ratePerSec` sustained, `burst` at once. Pure: the caller
 * passes the clock, so it is tested without timers.
 */
export class SendRateLimiter {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /**
   * Takes `count` tokens (at most `burst`: a larger request is judged as a full bucket's worth);
   * returns 0 when allowed, else the ms until enough are available. A refusal takes nothing.
   */
  take(now: number, count = 1): number {
    const need = Math.min(count, this.burst);
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec);
    this.updatedAt = now;
    if (this.tokens >= need) {
      this.tokens -= need;
      return 0;
    }
    return Math.ceil(((need - this.tokens) / this.ratePerSec) * 1000);
  }

  /** Whether the bucket is full again at `now` (an idle user's bucket can be forgotten). */
  isFull(now: number): boolean {
    return this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec >= this.burst;
  }
}
