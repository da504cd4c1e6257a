/** One notification for one device, already collapsed and templated by the pusher. */
export interface PushNotification {
  token: string;
  /** '' for a content-free push (with `body` '' too): only the badge and the room travel. */
  title: string;
  body: string;
  /** The user's unread total. */
  badge: number;
  /** Sent as custom data so the app can open the room. */
  room: string;
  /** apns-collapse-id / FCM collapse key: one per (device, room), so a newer push replaces an older one. */
  collapseId?: string;
  /** APNs thread-id / Android notification tag: the room, so notifications group per room. */
  threadId?: string;
}

/**
 * What the pusher does next with a send. `dead-token`: remove the registration. `retry`: keep the job
 * and back off (never before `retryAfterMs` when the provider said so). `rejected`: permanent and not
 * about the token (payload, topic, credentials): log and drop.
 */
export type ProviderOutcome =
  | { kind: 'sent'; latencyMs: number }
  | { kind: 'dead-token'; reason: string }
  | { kind: 'retry'; reason: string; retryAfterMs?: number }
  | { kind: 'rejected'; reason: string };

/**
 * A push service behind its client library. `send` never throws: every library result or error maps
 * to an outcome. Instances share nothing (connections, tokens, timers), so one provider's outage
 * never blocks another's sends.
 */
export interface PushProvider {
  readonly platform: 'apns' | 'fcm';
  send(notification: PushNotification): Promise<ProviderOutcome>;
  close(): Promise<void>;
}

/** Default `timeoutMs` of both providers: a provider slower than this counts as down for this send. */
export const DEFAULT_PROVIDER_TIMEOUT_MS = 10_000;

/**
 * Settles with `work`, or with `onTimeout()` once `ms` have passed. The work is not cancelled here;
 * callers cancel their own request in `onTimeout` where the library allows it.
 */
export function withDeadline<T>(work: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  // One promise and one timer per send (Promise.race and an async function made four).
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => resolve(onTimeout()), ms);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
