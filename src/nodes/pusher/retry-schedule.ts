/** Delay before the n-th retry (n >= 1): exponential from 1 s to 1 min (so a queue drains soon after
 *  a provider returns), half jitter, and never
 *  before the provider's Retry-After. */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(60_000, 1000 * 2 ** Math.min(attempt - 1, 12));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
