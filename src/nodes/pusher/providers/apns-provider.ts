import { performance } from 'node:perf_hooks';
import { Notification, Provider, type ProviderOptions } from '@parse/node-apn';
import { apnsFailureOutcome, type ApnsFailure } from './apns-outcome.js';
import {
  DEFAULT_PROVIDER_TIMEOUT_MS,
  withDeadline,
  type ProviderOutcome,
  type PushNotification,
  type PushProvider,
} from './push-provider.js';

export interface ApnsSettings {
  /** The .p8 signing key (PKCS#8 PEM, P-256) from the Apple developer account. */
  keyPem: string;
  /** The 10-character key id of that key (JWT `kid`). */
  keyId: string;
  /** The 10-character team id (JWT `iss`). */
  teamId: string;
  /** The app's bundle id, sent as `apns-topic`. */
  topic: string;
  /** api.push.apple.com when true, api.sandbox.push.apple.com when false. Ignored when `host` is set. */
  production: boolean;
  /** Host to talk to instead of Apple's (the fake). Default: Apple's host for `production`. */
  host?: string;
  /** Port on `host`. Default 443. */
  port?: number;
  /** PEM of a CA to trust instead of the system roots (the fake's test CA). Default: system roots. */
  caPem?: string;
  /** A send that has no answer after this long is a `retry`. Default 10 000 ms. */
  timeoutMs?: number;
}

/**
 * How long past `timeoutMs` the outer deadline waits: node-apn's own stream timeout normally fires
 * first; the outer one only covers a send stuck before its stream exists.
 */
const OUTER_DEADLINE_SLACK_MS = 1000;

/** How long close() waits for the HTTP/2 session to close gracefully (in-flight streams to finish). */
const SHUTDOWN_WAIT_MS = 1000;

/** APNs over HTTP/2 with token (JWT, .p8 key) auth, through @parse/node-apn. */
export function createApnsProvider(settings: ApnsSettings): PushProvider {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  const options: ProviderOptions = {
    token: { key: settings.keyPem, keyId: settings.keyId, teamId: settings.teamId },
    production: settings.production,
    requestTimeout: timeoutMs,
    // The library retries 429 and 5xx at once, up to 3 times, without waiting: it looks for
    // 'Retry-After' in HTTP/2 headers, whose names are always lower case, so it never finds it. The
    // pusher's retry schedule (back-off with jitter) owns retries, so the library makes one attempt.
    connectionRetryLimit: 0,
  };
  if (settings.host !== undefined) options.address = settings.host;
  if (settings.port !== undefined) options.port = settings.port;
  if (settings.caPem !== undefined) options.ca = [settings.caPem];
  // One Provider per instance: its own HTTP/2 session, JWT and ping timer.
  const provider = new Provider(options);
  let closed = false;

  async function send(push: PushNotification): Promise<ProviderOutcome> {
    if (closed) return { kind: 'retry', reason: 'apns provider closed' };
    if (push.token === '') return { kind: 'dead-token', reason: 'empty device token' };
    const started = performance.now();
    const attempt = provider.send(buildApnsNotification(push, settings.topic), push.token).then(
      (result): ProviderOutcome => {
        const failure = result.failed[0] as ApnsFailure | undefined;
        if (failure) return apnsFailureOutcome(failure);
        return { kind: 'sent', latencyMs: performance.now() - started };
      },
      (error: unknown): ProviderOutcome => ({ kind: 'retry', reason: `apns client: ${String(error)}` }),
    );
    return withDeadline(attempt, timeoutMs + OUTER_DEADLINE_SLACK_MS, () => ({
      kind: 'retry',
      reason: `apns timeout after ${timeoutMs} ms`,
    }));
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    // Typed as returning a Promise, but the implementation returns nothing: wait for the callback.
    // The callback never comes when the last session died without a close (e.g. connection
    // refused): node's session.close(cb) ignores a destroyed session. shutdown() has stopped its
    // timers and destroyed what it could before that point, so the wait is bounded.
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SHUTDOWN_WAIT_MS);
      void provider.shutdown(resolve);
    });
    clearTimeout(timer);
  }

  return { platform: 'apns', send, close };
}

/** The APNs request for one push: an alert (unless content-free), the badge, and the room as custom data. */
export function buildApnsNotification(push: PushNotification, topic: string): Notification {
  const note = new Notification();
  note.topic = topic;
  note.pushType = 'alert';
  note.priority = 10;
  if (push.title !== '' || push.body !== '') {
    note.alert = push.title === '' ? { body: push.body } : { title: push.title, body: push.body };
  }
  note.badge = push.badge;
  if (push.threadId !== undefined) note.threadId = push.threadId;
  if (push.collapseId !== undefined) note.collapseId = push.collapseId;
  note.payload = { room: push.room };
  return note;
}
