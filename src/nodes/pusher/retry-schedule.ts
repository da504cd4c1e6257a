/** First pause after a failure (before jitter). */
const FIRST_PAUSE_MS = 250;
/** Longest pause between probes of a provider that keeps failing (before jitter). */
const MAX_PAUSE_MS = 2000;

/**
 * Pause before the n-th probe (n >= 1) of a failing provider: exponential from 250 ms to 2 s, half
 * jitter, and never before the provider's Retry-After. The ceiling is how long a queue can sit after
 * its provider is back, so it is short: with 10 s, a 10-15 s outage was followed by 4-5 s of silence
 * before the first probe. A probe is one notification, so one request every 1-2 s per platform and
 * pusher is all a provider that is down sees.
 */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(MAX_PAUSE_MS, FIRST_PAUSE_MS * 2 ** Math.min(attempt - 1, 12));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * A provider as one platform worker sees it: up (sends at full concurrency), resting after a
 * failure (nothing is sent until the pause is over), then probing (one send at a time until one
 * gets an answer). Pure: the caller passes the clock.
 */
export class ProviderBackoff {
  private failures = 0;
  private restingUntil = 0;

  constructor(private readonly random: () => number = Math.random) {}

  /** Sends that may be in flight at `now`: 0 while resting, 1 while probing, `max` when up. */
  allowance(now: number, max: number): number {
    if (now < this.restingUntil) return 0;
    return this.failures > 0 ? 1 : max;
  }

  /** When the current pause ends; undefined when not resting at `now`. */
  restingUntilAt(now: number): number | undefined {
    return now < this.restingUntil ? this.restingUntil : undefined;
  }

  /** Consecutive failures that started a pause (0 when the provider is up). */
  get failureCount(): number {
    return this.failures;
  }

  /** The provider answered (accepted, or refused for good): up again, at full concurrency. */
  answered(): void {
    this.failures = 0;
  }

  /**
   * A send failed and is to be tried again. Sends failing together are one failure of the provider,
   * not many: only a failure outside a pause starts a new, longer one (a later Retry-After still
   * extends the current one).
   */
  failed(now: number, retryAfterMs?: number): { pauseMs: number; escalated: boolean } {
    if (now >= this.restingUntil) {
      this.failures += 1;
      this.restingUntil = now + retryDelayMs(this.failures, retryAfterMs, this.random);
      return { pauseMs: this.restingUntil - now, escalated: true };
    }
    if (retryAfterMs !== undefined) this.restingUntil = Math.max(this.restingUntil, now + retryAfterMs);
    return { pauseMs: this.restingUntil - now, escalated: false };
  }
}
