/**
 * A token bucket in bytes: `bytesPerSec` refill, `burst` capacity. Pure (time is passed in), so
 * the proxy's bandwidth limit is tested without sockets.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSec: number,
    readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.last = now;
  }

  /** The burst a proxy link uses: 50 ms worth of bytes (at least 1), small enough to bound a 1 s measurement. */
  static forRate(bytesPerSec: number, now: number): TokenBucket {
    return new TokenBucket(bytesPerSec, Math.max(1, Math.ceil(bytesPerSec / 20)), now);
  }

  /** Takes up to `want` bytes' worth of tokens and returns how many it got (0 when empty). */
  take(want: number, now: number): number {
    this.refill(now);
    const granted = Math.min(want, Math.floor(this.tokens));
    this.tokens -= granted;
    return granted;
  }

  /** Milliseconds until `want` tokens (capped at the burst) are there; 0 when they are now. */
  msUntil(want: number, now: number): number {
    this.refill(now);
    const need = Math.min(want, this.burst) - this.tokens;
    return need <= 0 ? 0 : Math.ceil((need * 1000) / this.bytesPerSec);
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.bytesPerSec) / 1000);
      this.last = now;
    }
  }
}
