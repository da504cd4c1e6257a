import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSendStream } from '../../../src/core/bus/nats.js';
import { Subjects } from '../../../src/core/bus/subjects.js';
import { registerSendBacklogGauges } from '../../../src/nodes/fanout/send-backlog-gauges.js';
import { SERVICES } from '../../support/isolated-cluster.js';

/** A send stream of its own on the machine's NATS, with no consumer: what is published waits. */
const subjects = new Subjects(`tsb${randomBytes(4).toString('hex')}`, 16);
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connect({ servers: SERVICES.nats });
  jsm = await ensureSendStream(nc, subjects, 1);
});

afterAll(async () => {
  await jsm.streams.delete(subjects.sendStream).catch(() => {});
  await nc.close();
});

async function scraped(registry: Registry): Promise<Record<string, number>> {
  const values: Record<string, number> = {};
  for (const metric of await registry.getMetricsAsJSON())
    values[metric.name] = (metric.values[0] as { value: number }).value;
  return values;
}

describe('send backlog gauges', () => {
  it("report the whole stream, the held partitions' sends and the age of the oldest of them", async () => {
    const js = jetstream(nc);
    await js.publish(subjects.send(2), 'held, oldest');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await js.publish(subjects.send(2), 'held');
    await js.publish(subjects.send(5), 'held');
    await js.publish(subjects.send(9), 'held by another fan-out');
    const registry = new Registry();
    registerSendBacklogGauges(registry, jsm, subjects, () => [2, 5, 7]);
    const values = await scraped(registry);
    expect(values.chat_fanout_send_stream_messages).toBe(4);
    expect(values.chat_fanout_send_backlog).toBe(3);
    expect(values.chat_fanout_commit_lag_seconds).toBeGreaterThanOrEqual(0.35);
    expect(values.chat_fanout_commit_lag_seconds).toBeLessThan(5);
  });

  it('report no lag when nothing waits on the held partitions', async () => {
    const registry = new Registry();
    registerSendBacklogGauges(registry, jsm, subjects, () => [0, 1]);
    const values = await scraped(registry);
    expect(values.chat_fanout_send_backlog).toBe(0);
    expect(values.chat_fanout_commit_lag_seconds).toBe(0);
  });

  it('report NaN, not a stale or made-up figure, when JetStream does not answer within a second', async () => {
    const silent = { streams: { info: () => new Promise(() => {}) } } as unknown as JetStreamManager;
    const registry = new Registry();
    registerSendBacklogGauges(registry, silent, subjects, () => [0]);
    const started = Date.now();
    const values = await scraped(registry);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(values.chat_fanout_send_stream_messages).toBeNaN();
    expect(values.chat_fanout_commit_lag_seconds).toBeNaN();
  });
});
