import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJson, type SendEnvelope } from '../../../src/core/bus/envelopes.js';
import { connectNats, ensureSendStream } from '../../../src/core/bus/nats.js';
import { Subjects } from '../../../src/core/bus/subjects.js';
import { createHopTimers } from '../../../src/core/observability/message-hops.js';
import { RecentTraces, type FanoutTrace } from '../../../src/core/observability/recent-traces.js';
import type { BatchPublisher, Published } from '../../../src/nodes/fanout/batch-publisher.js';
import { createFanoutMetrics } from '../../../src/nodes/fanout/fanout-metrics.js';
import { PartitionWorker, type PartitionWorkerDeps } from '../../../src/nodes/fanout/partition-worker.js';
import type { PushEnqueuer } from '../../../src/nodes/fanout/push-enqueuer.js';
import { FencedError, type SendResult } from '../../../src/nodes/fanout/room-sequencer.js';
import { SERVICES, waitFor } from '../../support/isolated-cluster.js';

/** One partition worker on the machine's JetStream, whose commits find the lease taken by another worker. */
const subjects = new Subjects(`tpf${randomBytes(4).toString('hex')}`, 1);
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connectNats(SERVICES.nats, 'partition-worker-test');
  jsm = await ensureSendStream(nc, subjects, 1);
});

afterAll(async () => {
  await jsm.streams.delete(subjects.sendStream).catch(() => {});
  await nc.close();
});

describe('fan-out - partition worker', () => {
  it('a worker fenced off its partition stops, and stop() returns (it awaited its own drain before)', async () => {
    const fenced: number[] = [];
    let commits = 0;
    const registry = new Registry();
    const worker = new PartitionWorker(0, 1, {
      subjects,
      jsm,
      js: jetstream(nc),
      committer: {
        commit: async () => {
          commits += 1;
          throw new FencedError('partition 0 is held by another worker');
        },
      },
      publisher: {} as BatchPublisher,
      metrics: createFanoutMetrics(registry),
      hops: createHopTimers(registry, 'fanout'),
      traces: new RecentTraces<FanoutTrace>(),
      pushes: {} as PushEnqueuer,
      log: pino({ level: 'silent' }),
      owner: 'test-owner',
      onFenced: (partition) => fenced.push(partition),
    });
    await worker.start();
    const send: SendEnvelope = {
      room: 'g_room',
      clientMsgId: 'c1',
      body: 'hi',
      sender: 'ann',
      senderDevice: 'd1',
      reply: { node: 'gw', conn: 'c' },
      receivedAt: Date.now(),
    };
    await jetstream(nc).publish(subjects.send(0), encodeJson(send), { msgID: 'ann:c1' });
    await waitFor(() => fenced.length === 1, 5000, 'the worker to find itself fenced');
    const stopped = await Promise.race([
      worker.stop().then(() => 'stopped'),
      new Promise((resolve) => setTimeout(() => resolve('still stopping after 3 s'), 3000)),
    ]);
    expect(stopped).toBe('stopped');
    expect(fenced).toEqual([0]);
    // Fenced means it commits nothing more: the batch is left for the partition's new owner.
    expect(commits).toBe(1);
  });
});

/** A send stream of its own (one partition), so no test sees another's leftovers. */
async function freshStream(): Promise<Subjects> {
  const own = new Subjects(`tpf${randomBytes(4).toString('hex')}`, 1);
  await ensureSendStream(nc, own, 1);
  streams.push(own.sendStream);
  return own;
}
const streams: string[] = [];
afterAll(async () => {
  for (const stream of streams) await jsm.streams.delete(stream).catch(() => {});
});

function sendOf(i: number): SendEnvelope {
  return {
    room: 'g_room',
    clientMsgId: `c${i}`,
    body: `m${i}`,
    sender: 'ann',
    senderDevice: 'd1',
    reply: { node: 'gw', conn: 'c' },
    receivedAt: Date.now(),
  };
}

async function publishSends(own: Subjects, from: number, to: number): Promise<void> {
  const js = jetstream(nc);
  await Promise.all(
    Array.from({ length: to - from + 1 }, (_, k) =>
      js.publish(own.send(0), encodeJson(sendOf(from + k)), { msgID: `ann:c${from + k}` }),
    ),
  );
}

/** What a fake committer answers for a send: committed, as a fresh message. */
function committed(send: SendEnvelope, seq: number): SendResult {
  return {
    kind: 'committed',
    replay: false,
    members: ['ann', 'bob'],
    registrations: [],
    message: {
      room: send.room,
      seq,
      msgId: `id-${send.clientMsgId}`,
      sender: send.sender,
      senderDevice: send.senderDevice,
      clientMsgId: send.clientMsgId,
      body: send.body,
      ts: Date.now(),
    },
  };
}

const published: Published = { routes: new Map(), publishedAt: 0 };

function workerOn(own: Subjects, overrides: Partial<PartitionWorkerDeps>): PartitionWorker {
  const registry = new Registry();
  return new PartitionWorker(0, 1, {
    subjects: own,
    jsm,
    js: jetstream(nc),
    committer: { commit: async (sends) => sends.map((send, i) => committed(send, i + 1)) },
    publisher: { publish: async () => published } as unknown as BatchPublisher,
    metrics: createFanoutMetrics(registry),
    hops: createHopTimers(registry, 'fanout'),
    traces: new RecentTraces<FanoutTrace>(),
    pushes: { enqueue: async () => {} } as unknown as PushEnqueuer,
    log: pino({ level: 'silent' }),
    owner: 'test-owner',
    onFenced: () => {},
    ...overrides,
  });
}

async function streamMessages(own: Subjects): Promise<number> {
  return (await jsm.streams.info(own.sendStream)).state.messages;
}

/** The worker's queue of pulled, not yet committed sends. */
function backlogOf(worker: PartitionWorker): number {
  return (worker as unknown as { pending: unknown[] }).pending.length;
}

describe('fan-out - partition worker after a commit', () => {
  it('a delivery that fails after the commit is retried alone: the batch is committed once, then delivered and acked', async () => {
    const own = await freshStream();
    let commits = 0;
    let publishes = 0;
    const worker = workerOn(own, {
      committer: {
        commit: async (sends) => {
          commits += sends.length;
          return sends.map((send, i) => committed(send, i + 1));
        },
      },
      publisher: {
        publish: async () => {
          publishes += 1;
          if (publishes === 1) throw new Error('nats: publish failed');
          return published;
        },
      } as unknown as BatchPublisher,
    });
    await worker.start();
    try {
      await publishSends(own, 1, 1);
      await waitFor(async () => (await streamMessages(own)) === 0, 5000, 'the send to be acked');
      expect(publishes).toBe(2);
      expect(commits).toBe(1);
    } finally {
      await worker.stop();
    }
  });
});

describe('fan-out - partition worker backpressure', () => {
  it('while a batch keeps failing to commit, the worker stops pulling: what it holds stays bounded', async () => {
    const own = await freshStream();
    let attempts = 0;
    const worker = workerOn(own, {
      maxBatch: 10,
      committer: {
        commit: async () => {
          attempts += 1;
          throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
        },
      },
    });
    await worker.start();
    try {
      await publishSends(own, 1, 600);
      await waitFor(() => attempts >= 4, 5000, 'a few commit attempts');
      // Whatever the stream still has stays there (durable), not in this process's memory.
      expect(backlogOf(worker)).toBeLessThanOrEqual(2 * 10);
    } finally {
      await worker.stop();
    }
  });

  it('a send redelivered (ack wait passed) while its batch retries is not queued and committed a second time', async () => {
    const own = await freshStream();
    const failUntil = Date.now() + 3000;
    const committedIds: string[] = [];
    const worker = workerOn(own, {
      committer: {
        commit: async (sends) => {
          if (Date.now() < failUntil)
            throw Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });
          committedIds.push(...sends.map((send) => send.clientMsgId));
          return sends.map((send, i) => committed(send, i + 1));
        },
      },
    });
    await worker.start();
    try {
      // A short ack wait, so JetStream redelivers while the batch is still failing.
      await jsm.consumers.update(own.sendStream, own.consumer(0, 1), { ack_wait: 1_000_000_000 });
      await publishSends(own, 1, 5);
      await waitFor(async () => (await streamMessages(own)) === 0, 10_000, 'every send to be acked');
      // Redelivered copies that arrive late are answered by the worker, never committed again.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(committedIds.sort()).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
    } finally {
      await worker.stop();
    }
  }, 20_000);
});
