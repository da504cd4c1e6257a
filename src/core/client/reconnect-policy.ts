import { CLOSE_CODES } from '../protocol/index.js';
import { backoffDelay, goawayDelay, type BackoffPolicy, type RandomSource } from './backoff.js';
import { ChatError } from './chat-error.js';

/** How a connection (or an attempt at one) ended. */
export interface AttemptEnd {
  /** The WebSocket close code (1006 when there was no close frame, or no socket at all). */
  code: number;
  reason: string;
  /** An `unauthorized` error frame arrived before the close. */
  tokenRejected: boolean;
  /** A goaway arrived on the connection: its reconnectInMs. */
  goawayInMs: number | undefined;
  /** Failed attempts since the client was last live. */
  failures: number;
}

export interface ReconnectPolicy {
  autoReconnect: boolean;
  /** The token comes from a function that may hand out a fresh one. */
  tokenRenewable: boolean;
  backoff: BackoffPolicy;
  random: RandomSource;
}

export type NextStep =
  | { action: 'give-up'; error: ChatError }
  | { action: 'reconnect'; delayMs: number; /** the new count of failed attempts */ failures: number };

/**
 * What follows a lost connection. Pure.
 * - A rejected fixed token gives up: it would be rejected again, and retrying forever
 *   would only load the gateways. A token function may yield a fresh one: back off, retry.
 * - Without autoReconnect, any loss gives up.
 * - After a goaway (a planned restart, not a failure) wait about reconnectInMs, and the
 *   failure count starts over.
 * - Anything else backs off exponentially with full jitter.
 */
export function afterAttempt(end: AttemptEnd, policy: ReconnectPolicy): NextStep {
  const rejected = end.code === CLOSE_CODES.unauthorized || end.tokenRejected;
  if (rejected && !policy.tokenRenewable) {
    return { action: 'give-up', error: new ChatError('unauthorized', 'the server rejected the token') };
  }
  if (!policy.autoReconnect) {
    const detail = `${end.code}${end.reason ? `: ${end.reason}` : ''}`;
    return { action: 'give-up', error: new ChatError('disconnected', `the connection closed (${detail})`) };
  }
  if (end.goawayInMs !== undefined && !rejected) {
    return { action: 'reconnect', delayMs: goawayDelay(end.goawayInMs, policy.random), failures: 0 };
  }
  return {
    action: 'reconnect',
    delayMs: backoffDelay(end.failures, policy.backoff, policy.random),
    failures: end.failures + 1,
  };
}
