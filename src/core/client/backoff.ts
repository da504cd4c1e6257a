/** How long to wait before reconnecting. Pure: the random source is injected for tests. */

export interface BackoffPolicy {
  /** Ceiling of the first delay, in ms. */
  initialMs: number;
  /** Largest ceiling, in ms. */
  maxMs: number;
}

/**
 * A 5 s ceiling, as Socket.IO's and Phoenix's clients have: with 10 s, after a 4 s outage of
 * every gateway a tenth of the devices were still away 5-6 s after the gateways were back (the
 * reconnect storm's recovery); with 5 s, 3.4 s. What the lower ceiling costs a long outage is
 * cheap: a refused connect, or a 503 with Retry-After from a gateway at its connection cap.
 */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 250, maxMs: 5000 };

export type RandomSource = () => number;

/**
 * Exponential backoff with full jitter: uniform in [0, min(maxMs, initialMs * 2^attempt)).
 * Full jitter (rather than a jittered fixed delay) is what spreads a whole gateway's
 * worth of devices when it dies: they do not come back in synchronized waves.
 * `attempt` counts failed tries since the client was last live, from 0.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: RandomSource = Math.random): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52);
  const ceiling = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.floor(random() * Math.max(0, ceiling));
}

/**
 * The delay after a `goaway`: about reconnectInMs, spread uniformly over [0.5x, 1.5x) so
 * that the devices of a draining gateway do not all land on the others at the same moment.
 */
export function goawayDelay(reconnectInMs: number, random: RandomSource = Math.random): number {
  const base = Math.max(0, reconnectInMs);
  return Math.floor(base * (0.5 + random()));
}
