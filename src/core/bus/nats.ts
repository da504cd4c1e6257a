import { readFileSync } from 'node:fs';
import { credsAuthenticator, NatsConnectionImpl } from '@nats-io/nats-core/internal';
import type { NatsConnection } from '@nats-io/transport-node';
import {
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  DiscardPolicy,
  type ConsumeMessages,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { useCoalescingTransport } from './coalescing-transport.js';
import type { StreamPublisher } from './stream-publisher.js';
import type { Subjects } from './subjects.js';

export type { NatsConnection };

/** How a role proves itself to NATS and checks the servers: both optional (a local NATS needs neither). */
export interface NatsSecurity {
  /** A .creds file: the user JWT and NKey seed of an operator-mode account. */
  credsFile?: string;
  /** A PEM CA file the servers' TLS certificates must chain to; given, the connection must be TLS. */
  tlsCaFile?: string;
}

export async function connectNats(url: string, name: string, security: NatsSecurity = {}): Promise<NatsConnection> {
  // What @nats-io/transport-node's connect() does, with writes coalesced per event-loop turn.
  useCoalescingTransport();
  // Read now, so that a wrong path is named as such and not reported as NATS being out of reach.
  const creds = security.credsFile === undefined ? undefined : readSecurityFile('credentials', security.credsFile);
  if (security.tlsCaFile !== undefined) readSecurityFile('TLS CA', security.tlsCaFile);
  return NatsConnectionImpl.connect({
    servers: url.split(',').map((server) => server.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
    // Without it every request (each JetStream publish) builds two Errors for their stack traces
    // up front, used only if it fails: ~2% of a gateway's CPU at 1,000 sends/s.
    noAsyncTraces: true,
    ...(creds === undefined ? {} : { authenticator: credsAuthenticator(creds) }),
    ...(security.tlsCaFile === undefined ? {} : { tls: { caFile: security.tlsCaFile } }),
  });
}

/** A NATS credentials or CA file that cannot be read: the setting is wrong, NATS may be fine. */
export class NatsFileError extends Error {
  override name = 'NatsFileError';
}

/** A file NATS needs, read, or a NatsFileError that names it and says why not. */
function readSecurityFile(what: string, path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new NatsFileError(
      `cannot read the NATS ${what} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
}

/**
 * consume() options for a long-lived durable pull consumer that must resume within a second or
 * two of JetStream, whatever happened to NATS meanwhile:
 * - `bind`: on reconnect it pulls at once, instead of first asking for the consumer's info, which
 *   fails for 5-10 s after a full NATS restart (nats.go made the same change, nats.go#1643). The
 *   "consumer not found" notice it gives up is not used: a worker whose consumer is gone has lost
 *   its partition, and its lease stops it.
 * - `idle_heartbeat` 500 ms: a pull the server lost (its consumer's leader died or was being
 *   elected) is replaced after two missed heartbeats, ~1 s; an idle consumer costs two a second.
 * - `expires` 30 s: a pull that expires as a message arrives is now and then lost without its 408;
 *   longer pulls race less often, and the heartbeats catch the rest.
 * How these were found: docs/faults.md ("A full NATS restart") and docs/benchmarks.md (2026-12-06,
 * "A pull that stalled for 1.1-1.2 s").
 */
export function resumingConsume(maxMessages: number): ConsumeMessages {
  return { max_messages: maxMessages, expires: 30_000, idle_heartbeat: 500, bind: true };
}

/**
 * Creates or updates the send stream: a work queue (a message leaves once a fan-out worker has
 * committed and acked it), file storage, and a 2-minute de-duplication window on Nats-Msg-Id.
 */
export async function ensureSendStream(
  nc: NatsConnection,
  subjects: Subjects,
  replicas: number,
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: subjects.sendStream,
    subjects: [subjects.sendWildcard],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    duplicate_window: 120_000_000_000,
    max_msg_size: 256 * 1024,
  };
  try {
    await jsm.streams.info(subjects.sendStream);
    await jsm.streams.update(subjects.sendStream, config);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.streams.add(config);
  }
  return jsm;
}

/**
 * The push work queue: file storage, jobs kept until a pusher acks them (a provider outage
 * holds them), de-duplicated by message and device for 2 minutes.
 */
export async function ensurePushStream(
  nc: NatsConnection,
  subjects: Subjects,
  replicas: number,
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: subjects.pushStream,
    subjects: [subjects.push('apns'), subjects.push('fcm')],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    discard: DiscardPolicy.Old,
    num_replicas: replicas,
    duplicate_window: 120_000_000_000,
    max_msg_size: 64 * 1024,
    // A notification a week late is noise: the only jobs ever dropped are ones no pusher took for 7 days.
    max_age: 7 * 86_400 * 1_000_000_000,
  };
  try {
    await jsm.streams.info(subjects.pushStream);
    await jsm.streams.update(subjects.pushStream, config);
  } catch (error) {
    if (!isNotFound(error)) throw error;
    await jsm.streams.add(config);
  }
  return jsm;
}

export function isNotFound(error: unknown): boolean {
  const text =
    error instanceof Error ? `${error.message} ${String((error as { code?: string | number }).code ?? '')}` : '';
  return /not found|404|10059|10014/.test(text);
}

export interface PublishRetryOptions {
  /**
   * How long one publish may keep trying, from its first try (default 30 s: after a full NATS
   * restart the streams had leaders again 10-25 s after the kill; with 15 s, sends of the slowest
   * restarts went back `unavailable` and the clients' backoff carried their next try further).
   */
  deadlineMs?: number;
  /** First pause between tries, doubled up to 1 s, with jitter (default 250 ms). */
  pauseMs?: number;
}

/**
 * The JetStream client with a publish() that rides out a stream without a leader: a publish
 * answered "no responders" (JetStream still electing after a restart: nats.js throws
 * JetStreamNotEnabled) or not answered at all (TimeoutError: the request or its answer went
 * with a connection) is tried again with the same options, so the same Nats-Msg-Id and
 * JetStream's de-duplication makes the retry safe, until `deadlineMs` after the first try;
 * then the last error. Without it every send made while a restarted stream has no leader would
 * go back to its client as `unavailable`, and the client's own backoff would keep it away after
 * the stream was back (docs/faults.md, "A full NATS restart"). Each waiting publish tries about
 * once a second, so thousands of them are small requests, not a storm; and the first one through
 * wakes all the others, so the backlog goes out at once when the stream is back.
 */
export function retryingPublishes<T extends Publishes>(publisher: T, options: PublishRetryOptions = {}): T {
  const deadlineMs = options.deadlineMs ?? 30_000;
  const firstPauseMs = options.pauseMs ?? 250;
  const inner = publisher.publish.bind(publisher) as AnyPublish;
  // Any publish that gets through wakes every waiting one: the stream is back for all of them.
  let streamBack = signal();
  let waiting = 0;
  const publish: AnyPublish = async (subject, payload, publishOptions) => {
    const deadline = Date.now() + deadlineMs;
    for (let pause = firstPauseMs; ; pause = Math.min(1000, pause * 2)) {
      const left = deadline - Date.now();
      try {
        const ack = await inner(subject, payload, {
          ...publishOptions,
          timeout: Math.max(1, Math.min(publishOptions?.timeout ?? 5000, left)),
        });
        if (waiting > 0) {
          streamBack.resolve();
          streamBack = signal();
        }
        return ack;
      } catch (error) {
        const wait = pause / 2 + Math.random() * pause;
        if (!isStreamUnreachable(error) || Date.now() + wait >= deadline) throw error;
        let timer: NodeJS.Timeout | undefined;
        waiting++;
        await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, wait))), streamBack.promise]);
        waiting--;
        clearTimeout(timer);
      }
    }
  };
  return new Proxy(publisher, {
    get: (target, property) => (property === 'publish' ? publish : Reflect.get(target, property, target)),
  });
}

/** Anything with a JetStream-style publish: nats.js's JetStreamClient, or a StreamPublisher. */
type Publishes = JetStreamClient | StreamPublisher;
type AnyPublish = (
  subject: string,
  payload: Uint8Array | string | undefined,
  options?: { timeout?: number; msgID?: string },
) => Promise<unknown>;

/** A promise and its resolve (Promise.withResolvers, which Node 20 lacks). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** No stream leader answered (yet): worth another try with the same message id. */
export function isStreamUnreachable(error: unknown): boolean {
  return error instanceof Error && (error.name === 'JetStreamNotEnabled' || error.name === 'TimeoutError');
}
