/**
 * Delay before the n-th retry (n >= 1): exponential from 1 s to 10 s, half jitter, and never
 * before the provider's Retry-After. The worker pauses this long and then sends one group as a
 * probe, so the ceiling is how long a queue can sit after its provider is back: with a 1 min
 * ceiling a 10 s outage was followed by up to 16 s of silence (the push-provider-outage fault);
 * a probe every 5-10 s per platform is nothing to a provider that is down.
 */
export function retryDelayMs(attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(10_000, 1000 * 2 ** Math.min(attempt - 1, 12));
  const jittered = Math.round(ceiling / 2 + (random() * ceiling) / 2);
  return Math.max(jittered, retryAfterMs ?? 0);
}
