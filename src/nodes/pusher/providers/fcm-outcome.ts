import type { ProviderOutcome } from './push-provider.js';

/**
 * A failed `messaging().send()` as firebase-admin reports it: a FirebaseError whose `code` is
 * 'messaging/<client code>' (the library's translation of FCM's `details[].errorCode`, else
 * `error.status`) or 'app/<code>' for transport and credential failures, plus what the wire showed
 * (the HTTP status and Retry-After of the FCM answer, which the error itself does not carry).
 */
export interface FcmFailure {
  code?: string;
  message: string;
  httpStatus?: number;
  retryAfterMs?: number;
}

/**
 * Client codes that mean the registration token is gone: UNREGISTERED and NOT_FOUND both become
 * 'registration-token-not-registered'; the legacy InvalidRegistration becomes 'invalid-registration-token'.
 */
const DEAD_TOKEN_CODES = new Set([
  'messaging/registration-token-not-registered',
  'messaging/invalid-registration-token',
]);

/** UNAVAILABLE, INTERNAL, QUOTA_EXCEEDED / RESOURCE_EXHAUSTED and network trouble: try again later. */
const RETRY_CODES = new Set([
  'messaging/server-unavailable',
  'messaging/internal-error',
  'messaging/message-rate-exceeded',
  'messaging/device-message-rate-exceeded',
  'messaging/topics-message-rate-exceeded',
  'messaging/unknown-error',
  'app/network-error',
  'app/network-timeout',
]);

/**
 * Maps an FCM failure to what the pusher does next. INVALID_ARGUMENT covers both a malformed
 * registration token and a malformed message; FCM tells them apart only in the message text
 * ("The registration token is not a valid FCM registration token"), which the library keeps.
 */
export function fcmFailureOutcome(failure: FcmFailure): ProviderOutcome {
  const code = failure.code ?? 'unknown';
  const reason = `${code}: ${failure.message}`;
  if (DEAD_TOKEN_CODES.has(code)) return { kind: 'dead-token', reason };
  if (code === 'messaging/invalid-argument' && /registration token/i.test(failure.message)) {
    return { kind: 'dead-token', reason };
  }
  const status = failure.httpStatus;
  if (RETRY_CODES.has(code) || (status !== undefined && (status === 429 || status >= 500))) {
    return failure.retryAfterMs === undefined
      ? { kind: 'retry', reason }
      : { kind: 'retry', reason, retryAfterMs: failure.retryAfterMs };
  }
  if (code === 'app/invalid-credential') {
    // The OAuth token could not be fetched. Unreachable or failing token endpoint: transient. The
    // endpoint refusing the grant (invalid_grant, a revoked key): no send can succeed until an operator acts.
    return /invalid_grant|invalid_client|unauthorized_client|invalid_scope|Failed to parse/i.test(failure.message)
      ? { kind: 'rejected', reason }
      : { kind: 'retry', reason };
  }
  if (code.startsWith('messaging/') || code.startsWith('app/')) return { kind: 'rejected', reason };
  // Not a library error (a bug, or something the library did not wrap): keep the job.
  return { kind: 'retry', reason };
}
