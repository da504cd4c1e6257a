/**
 * A token bucket: `ratePerSec` sustained, `burst` at once. Pure: the caller passes the clock,
 * so it is tested without timers. Per connection it bounds sends, every frame, and bad frames;
 * per user, the users added to rooms.
 */
export class TokenBucket {
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
    this.refill(now);
    if (this.tokens >= need) {
      this.tokens -= need;
      return 0;
    }
    return this.msUntil(need);
  }

  /** Whether the bucket is full again at `now` (an idle owner's bucket can be forgotten). */
  isFull(now: number): boolean {
    return this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec >= this.burst;
  }

  /** The ms until the bucket holds `tokens` (capped at the burst), as of the last take. */
  msUntil(tokens: number): number {
    const wanted = Math.min(this.burst, tokens);
    return wanted <= this.tokens ? 0 : Math.ceil(((wanted - this.tokens) / this.ratePerSec) * 1000);
  }

  private refill(now: number): void {
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec);
    this.updatedAt = now;
  }
}
