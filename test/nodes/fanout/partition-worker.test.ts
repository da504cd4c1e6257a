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
import type { BatchPublisher } from '../../../src/nodes/fanout/batch-publisher.js';
import { createFanoutMetrics } from '../../../src/nodes/fanout/fanout-metrics.js';
import { PartitionWorker } from '../../../src/nodes/fanout/partition-worker.js';
import type { PushEnqueuer } from '../../../src/nodes/fanout/push-enqueuer.js';
import { FencedError } from '../../../src/nodes/fanout/room-sequencer.js';
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
  it('fan-out - a worker fenced off its partition stops, and stop() returns (it awaited its own drain before)', async () => {
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
    const send: SendEnvelope = { room: 'g_room', clientMsgId: 'c1', body: 'hi', sender: 'ann', senderDevice: 'd1', reply: { node: 'gw', conn: 'c' }, receivedAt: Date.now() };
    await jetstream(nc).publish(subjects.send(0), encodeJson(send), { msgID: 'ann:c1' });
    await waitFor(() => fenced.length === 1, 5000, 'the worker to find itself fenced');
    const stopped = await Promise.race([worker.stop().then(() => 'stopped'), new Promise((resolve) => setTimeout(() => resolve('still stopping after 3 s'), 3000))]);
    expect(stopped).toBe('stopped');
    expect(fenced).toEqual([0]);
    // Fenced means it commits nothing more: the batch is left for the partition's new owner.
    expect(commits).toBe(1);
  });
});
