import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy, type JetStreamManager } from '@nats-io/jetstream';
import type { Subjects } from './subjects.js';

export type { NatsConnection };

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((server) => server.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
  });
}

/**
 * Creates or updates the send stream: a work queue (a message leaves once a fan-out worker has
 * committed and acked it), file storage, and a 2-minute de-duplication window on Nats-Msg-Id.
 */
export async function ensureSendStream(nc: NatsConnection, subjects: Subjects, replicas: number): Promise<JetStreamManager> {
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
export async function ensurePushStream(nc: NatsConnection, subjects: Subjects, replicas: number): Promise<JetStreamManager> {
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
  const text = error instanceof Error ? `${error.message} ${String((error as { code?: unknown }).code ?? '')}` : '';
  return /not found|404|10059|10014/.test(text);
}
