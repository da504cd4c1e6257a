import type { ProviderOutcome } from './push-provider.js';

/**
 * A failed send as @parse/node-apn reports it in `Responses.failed`: either an HTTP answer from
 * APNs (`status` with the JSON `response` body, or with an `error` when the library consumed the
 * body itself, as for 403 ExpiredProviderToken and 500 InternalServerError), or a transport error
 * alone (`error` with no `status`: connection refused or reset, stream timeout, session closed).
 */
export interface ApnsFailure {
  status?: number | string;
  response?: { reason?: string; timestamp?: number | string };
  error?: { message?: string };
}

/** Reasons that say the device token itself is no good (Apple: do not retry these). */
const DEAD_TOKEN_REASONS = new Set(['BadDeviceToken', 'DeviceTokenNotForTopic', 'Unregistered']);

/**
 * Maps an APNs failure to what the pusher does next. Apple's guidance: 5xx and 429 are retried with
 * back-off; 410 and BadDeviceToken / DeviceTokenNotForTopic mean the token is gone; other 4xx are
 * our mistake (topic, payload, credentials) and retrying the same request cannot succeed.
 */
export function apnsFailureOutcome(failure: ApnsFailure): ProviderOutcome {
  const status = typeof failure.status === 'number' ? failure.status : Number.NaN;
  const reason = failure.response?.reason ?? failure.error?.message ?? 'unknown APNs failure';
  if (Number.isNaN(status)) {
    // No HTTP answer: the provider is unreachable, reset the connection, or did not answer in time.
    return { kind: 'retry', reason: `apns transport: ${reason}` };
  }
  if (status === 410) {
    const since = failure.response?.timestamp;
    return { kind: 'dead-token', reason: since === undefined ? reason : `${reason} since ${String(since)}` };
  }
  if (DEAD_TOKEN_REASONS.has(reason)) return { kind: 'dead-token', reason };
  // The library has already minted a fresh JWT when it saw this; the next attempt carries it.
  if (status === 403 && reason === 'ExpiredProviderToken') return { kind: 'retry', reason, retryAfterMs: 0 };
  if (status === 429 || status >= 500) return { kind: 'retry', reason: `${status} ${reason}` };
  return { kind: 'rejected', reason: `${status} ${reason}` };
}
