/**
 * A token bucket: `ratePerSec` sustained, `burst` at once. Pure: the caller passes the clock,
 * so it is tested without timers. Per connection it bounds sends, every frame, and bad frames.
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

  /** Takes a token; returns 0 when allowed, else the ms until one is available. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return this.msUntil(1);
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
