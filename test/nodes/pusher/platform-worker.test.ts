import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encodeJson } from '../../../src/core/bus/envelopes.js';
import { connectNats, ensurePushStream } from '../../../src/core/bus/nats.js';
import { Subjects } from '../../../src/core/bus/subjects.js';
import type { PushJob } from '../../../src/core/push/push-job.js';
import type { PushStore } from '../../../src/core/storage/push-store.js';
import { PlatformWorker } from '../../../src/nodes/pusher/platform-worker.js';
import type { ProviderOutcome, PushNotification, PushProvider } from '../../../src/nodes/pusher/providers/index.js';
import { createPusherMetrics } from '../../../src/nodes/pusher/pusher-metrics.js';
import { SERVICES, waitFor } from '../../support/isolated-cluster.js';

/**
 * One platform worker on the machine's JetStream, sending to a provider this test switches between
 * answering and failing (the providers themselves are tested against the fakes).
 */
class SwitchableProvider implements PushProvider {
  readonly platform = 'apns' as const;
  readonly sent: PushNotification[] = [];
  attempts = 0;
  up = true;

  async send(notification: PushNotification): Promise<ProviderOutcome> {
    this.attempts += 1;
    await new Promise((resolve) => setImmediate(resolve));
    if (!this.up) return { kind: 'retry', reason: 'down' };
    this.sent.push(notification);
    return { kind: 'sent', latencyMs: 1 };
  }

  async close(): Promise<void> {}
}

const subjects = new Subjects(`tpw${randomBytes(4).toString('hex')}`, 1);
let nc: NatsConnection;
let jsm: JetStreamManager;
const workers: PlatformWorker[] = [];

/** Answers only when released: shows how many sends the worker keeps in flight at once. */
class GatedProvider implements PushProvider {
  readonly platform = 'apns' as const;
  readonly sent: PushNotification[] = [];
  inFlight = 0;
  mostInFlight = 0;
  private readonly waiting: Array<() => void> = [];

  async send(notification: PushNotification): Promise<ProviderOutcome> {
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight -= 1;
    this.sent.push(notification);
    return { kind: 'sent', latencyMs: 1 };
  }

  releaseAll(): number {
    const released = this.waiting.splice(0);
    for (const release of released) release();
    return released.length;
  }

  async close(): Promise<void> {}
}

function startWorker(provider: PushProvider, concurrency?: number): Promise<PlatformWorker> {
  const worker = new PlatformWorker({
    provider,
    subjects,
    jsm,
    js: jetstream(nc),
    pushStore: { removeDeadToken: async () => true } as unknown as PushStore,
    roomLabel: async () => ({ kind: 'group', name: 'Design team' }),
    badgeOf: async () => 7,
    metrics: createPusherMetrics(new Registry()),
    log: pino({ level: 'silent' }),
    collapseWindowMs: 50,
    ...(concurrency === undefined ? {} : { concurrency }),
  });
  workers.push(worker);
  return worker.start().then(() => worker);
}

let seq = 0;
async function enqueue(token: string, room: string, body: string): Promise<void> {
  seq += 1;
  const job: PushJob = {
    user: `u-${token}`,
    device: 'phone',
    platform: 'apns',
    token,
    preview: true,
    room,
    sender: 'alice',
    body,
    seq,
    msgId: `m${seq}`,
    ts: Date.now(),
  };
  await jetstream(nc).publish(subjects.push('apns'), encodeJson(job), {
    msgID: `${job.msgId}:${job.user}:${job.device}`,
  });
}

const consumer = () => jsm.consumers.info(subjects.pushStream, 'pusher-apns');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  nc = await connectNats(SERVICES.nats, 'platform-worker-test');
  jsm = await ensurePushStream(nc, subjects, 1);
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((worker) => worker.stop()));
});

afterAll(async () => {
  await jsm.streams.delete(subjects.pushStream).catch(() => {});
  await nc.close();
});

describe('pusher - platform worker', () => {
  it('while the provider fails it holds the jobs (no redelivery), probes it, and sends one notification per device and room once it answers', async () => {
    const provider = new SwitchableProvider();
    provider.up = false;
    await startWorker(provider);
    await enqueue('tok-a', 'r1', 'one');
    await sleep(120); // past the collapse window: a later job would open a group of its own
    await enqueue('tok-a', 'r1', 'two');
    await enqueue('tok-b', 'r1', 'hello');
    await enqueue('tok-a', 'r2', 'elsewhere');
    await sleep(700);
    expect(provider.sent).toEqual([]);
    // Probes, one at a time: far fewer attempts than jobs times pauses.
    expect(provider.attempts).toBeGreaterThan(0);
    expect(provider.attempts).toBeLessThan(8);
    expect((await consumer()).num_ack_pending).toBe(4);

    provider.up = true;
    await waitFor(() => provider.sent.length === 3, 5000, 'the held notifications');
    const byKey = Object.fromEntries(provider.sent.map((n) => [`${n.token}/${n.room}`, n]));
    expect(byKey['tok-a/r1']).toMatchObject({
      title: 'Design team',
      body: '2 new messages in Design team. alice: two',
      badge: 7,
    });
    expect(byKey['tok-b/r1']).toMatchObject({ body: 'alice: hello' });
    expect(byKey['tok-a/r2']).toMatchObject({ body: 'alice: elsewhere' });
    await waitFor(async () => (await consumer()).num_ack_pending === 0, 5000, 'the acks');
    const info = await consumer();
    expect(info.num_pending).toBe(0);
    expect(info.num_redelivered).toBe(0);
  });

  it('keeps at most `concurrency` notifications in flight, and a slot that frees up is used at once', async () => {
    const provider = new GatedProvider();
    await startWorker(provider, 3);
    for (let i = 0; i < 10; i++) await enqueue(`tok-c${i}`, 'r1', `job ${i}`);
    await waitFor(() => provider.inFlight === 3, 5000, 'three sends in flight');
    await sleep(200);
    expect(provider.inFlight).toBe(3);
    while (provider.sent.length < 10) {
      provider.releaseAll();
      await sleep(20);
    }
    expect(provider.mostInFlight).toBe(3);
    expect(new Set(provider.sent.map((n) => n.token)).size).toBe(10);
  });

  it('a stop hands the held jobs back, and the next worker sends each of them once', async () => {
    const down = new SwitchableProvider();
    down.up = false;
    const first = await startWorker(down);
    await enqueue('tok-c', 'r1', 'kept');
    await enqueue('tok-d', 'r1', 'kept too');
    await waitFor(async () => (await consumer()).num_ack_pending === 2, 5000, 'the jobs to be held');
    await first.stop();

    const up = new SwitchableProvider();
    await startWorker(up);
    // Handed back by nak, they usually arrive within milliseconds; in 2 of 5 runs of the whole
    // suite on a loaded machine they did not within 3-10 s (cause not found; a pull left behind by
    // the stopped worker is not it). The ack wait (20 s) bounds it: nothing is lost either way.
    await waitFor(() => up.sent.length >= 2, 25_000, 'the handed-back jobs');
    await sleep(200);
    expect(up.sent.map((n) => n.token).sort()).toEqual(['tok-c', 'tok-d']);
  }, 45_000);
});
