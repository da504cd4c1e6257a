import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { cert, deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getMessaging, type Messaging, type TokenMessage } from 'firebase-admin/messaging';
import { fcmFailureOutcome } from './fcm-outcome.js';
import { googleEndpointAgent, retryAfterMs, SendTracer, TracedAgent } from './google-endpoints.js';
import {
  DEFAULT_PROVIDER_TIMEOUT_MS,
  withDeadline,
  type ProviderOutcome,
  type PushNotification,
  type PushProvider,
} from './push-provider.js';

export interface FcmSettings {
  /** The Firebase project that sends (the `{projectId}` of /v1/projects/{projectId}/messages:send). */
  projectId: string;
  /** The service account key file's fields; `project_id` defaults to `projectId`. */
  serviceAccount: { client_email: string; private_key: string; project_id?: string };
  /** Origin replacing https://fcm.googleapis.com (the fake); the library's paths are kept. Default: Google's. */
  endpoint?: string;
  /** URL replacing https://oauth2.googleapis.com/token; the path must stay /token. Default: Google's. */
  tokenUri?: string;
  /** PEM of a CA to trust instead of the system roots (the fake's test CA). Default: system roots. */
  caPem?: string;
  /** A send (including a token fetch) with no answer after this long is a `retry`. Default 10 000 ms. */
  timeoutMs?: number;
}

/** FCM HTTP v1 through firebase-admin's `messaging().send()`, one Firebase app per provider. */
export function createFcmProvider(settings: FcmSettings): PushProvider {
  const timeoutMs = settings.timeoutMs ?? DEFAULT_PROVIDER_TIMEOUT_MS;
  const agent = googleEndpointAgent(settings.endpoint, settings.tokenUri, settings.caPem);
  const account = settings.serviceAccount;
  const projectOfAccount = account.project_id ?? settings.projectId;
  // firebase-admin drops cert()'s agent for the token request when the service account is an
  // object (firebase/firebase-admin-node#2960: it builds the JWT client without the client
  // options); from a key file path the agent is used. So with an agent (only when pointed at a
  // fake) the account goes through a private temporary key file, removed on close.
  const keyFile =
    agent === undefined ? undefined : writeKeyFile({ ...account, project_id: projectOfAccount }, settings.tokenUri);
  const credential =
    keyFile === undefined
      ? cert({ projectId: projectOfAccount, clientEmail: account.client_email, privateKey: account.private_key })
      : cert(keyFile.path, agent);
  // Sends always go through an agent of this provider's: the SendTracer learns their requests from it.
  const sendAgent = agent ?? new TracedAgent();
  // A named app of its own: its own token cache and agent, deleted on close.
  const app: App = initializeApp(
    { credential, projectId: settings.projectId, httpAgent: sendAgent },
    `chat-node-fcm-${randomUUID()}`,
  );
  const messaging = getMessaging(app);
  const tracer = new SendTracer(disableLibraryRetries(messaging));
  let closed = false;

  async function send(push: PushNotification): Promise<ProviderOutcome> {
    if (closed) return { kind: 'retry', reason: 'fcm provider closed' };
    if (push.token === '') return { kind: 'dead-token', reason: 'empty registration token' };
    const started = performance.now();
    const { trace, result } = tracer.trace(push.token, () => messaging.send(buildFcmMessage(push)));
    const attempt = result.then(
      (): ProviderOutcome => ({ kind: 'sent', latencyMs: performance.now() - started }),
      (error: unknown): ProviderOutcome => {
        const { code, message } = error as { code?: unknown; message?: unknown };
        return fcmFailureOutcome({
          ...(typeof code === 'string' ? { code } : {}),
          message: typeof message === 'string' ? message : String(error),
          ...(trace.fcmStatus === undefined ? {} : { httpStatus: trace.fcmStatus }),
          ...(trace.retryAfter === undefined ? {} : { retryAfterMs: retryAfterMs(trace.retryAfter) }),
        });
      },
    );
    return withDeadline(attempt, timeoutMs, () => {
      tracer.cancel(trace, timeoutMs / 2);
      return { kind: 'retry', reason: `fcm timeout after ${timeoutMs} ms` };
    });
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    await deleteApp(app);
    sendAgent.destroy();
    keyFile?.remove();
  }

  return { platform: 'fcm', send, close };
}

/**
 * The FCM v1 message for one push. The room travels as data for both platforms; the text as the
 * cross-platform `notification` (omitted for a content-free push, which becomes a data message);
 * collapse key / apns-collapse-id and tag / thread-id group per room; the badge goes where each
 * platform reads it (Android `notification_count`, APNs `aps.badge`) and in data.
 */
export function buildFcmMessage(push: PushNotification): TokenMessage {
  const hasText = push.title !== '' || push.body !== '';
  const message: TokenMessage = {
    token: push.token,
    data: { room: push.room, badge: String(push.badge) },
    android: {
      priority: 'high',
      ...(push.collapseId === undefined ? {} : { collapseKey: push.collapseId }),
      ...(hasText
        ? {
            notification: {
              notificationCount: push.badge,
              ...(push.threadId === undefined ? {} : { tag: push.threadId }),
            },
          }
        : {}),
    },
    apns: {
      ...(push.collapseId === undefined ? {} : { headers: { 'apns-collapse-id': push.collapseId } }),
      payload: { aps: { badge: push.badge, ...(push.threadId === undefined ? {} : { threadId: push.threadId }) } },
    },
  };
  if (hasText) message.notification = { title: push.title, body: push.body };
  return message;
}

/**
 * firebase-admin retries 503 (4 times, waiting Retry-After up to 60 s, else 0/1/2/4 s) and
 * ECONNRESET / ETIMEDOUT inside `send()`, with no public option to turn it off. That hides the
 * provider's state from the pusher's own schedule, outlives `timeoutMs`, and a retry that lands
 * after this send returned `retry` would deliver the push twice. The request handler's HTTP client
 * is private, so this reaches in; a library upgrade that moves it fails loudly here. Returns that
 * client, which the SendTracer wraps too.
 */
function disableLibraryRetries(messaging: Messaging): unknown {
  const handler = (messaging as unknown as { messagingRequestHandler?: { httpClient?: { retry?: unknown } } })
    .messagingRequestHandler;
  if (!handler?.httpClient || !('retry' in handler.httpClient)) {
    throw new Error('firebase-admin internals changed: cannot turn off messaging retries (see fcm-provider.ts)');
  }
  handler.httpClient.retry = null;
  return handler.httpClient;
}

/** A service account key file readable only by this user, in a fresh directory. */
function writeKeyFile(
  account: { client_email: string; private_key: string; project_id: string },
  tokenUri: string | undefined,
): { path: string; remove(): void } {
  const directory = mkdtempSync(join(tmpdir(), 'chat-node-fcm-'));
  const path = join(directory, 'service-account.json');
  const json = { type: 'service_account', ...account, ...(tokenUri === undefined ? {} : { token_uri: tokenUri }) };
  writeFileSync(path, JSON.stringify(json), { mode: 0o600 });
  return { path, remove: () => rmSync(directory, { recursive: true, force: true }) };
}
