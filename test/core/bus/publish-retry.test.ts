import { randomBytes } from 'node:crypto';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectNats,
  isStreamUnreachable,
  resumingConsume,
  retryingPublishes,
  type NatsConnection,
} from '../../../src/core/bus/nats.js';
import { SERVICES } from '../../support/isolated-cluster.js';

/** Against the machine's NATS: a subject no stream listens on answers "no responders", as a stream without a leader does. */
describe('bus - publish retry', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  const streams: string[] = [];
  beforeAll(async () => {
    nc = await connectNats(SERVICES.nats, 'publish-retry-test');
    jsm = await jetstreamManager(nc);
  });
  afterAll(async () => {
    await Promise.all(streams.map((name) => jsm.streams.delete(name).catch(() => {})));
    await nc.close();
  });

  function names() {
    const id = randomBytes(4).toString('hex');
    const stream = `PUBRETRY_${id}`;
    streams.push(stream);
    return { stream, subject: `pubretry.${id}` };
  }

  it('a publish with no stream to answer waits, and goes through once the stream is there', async () => {
    const { stream, subject } = names();
    const js = retryingPublishes(jetstream(nc, { timeout: 2000 }), { deadlineMs: 10_000 });
    const started = Date.now();
    const published = js.publish(subject, 'hello', { msgID: 'one' });
    setTimeout(() => void jsm.streams.add({ name: stream, subjects: [subject] }), 800);
    const ack = await published;
    expect(ack.stream).toBe(stream);
    expect(ack.seq).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    // The same message id again: JetStream's de-duplication, which makes the retries safe.
    expect((await js.publish(subject, 'hello', { msgID: 'one' })).duplicate).toBe(true);
  });

  it('a publish still unanswered at its deadline fails with the last error', async () => {
    const { subject } = names();
    const js = retryingPublishes(jetstream(nc, { timeout: 2000 }), { deadlineMs: 600 });
    const started = Date.now();
    const error = await js.publish(subject, 'hello').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isStreamUnreachable(error)).toBe(true);
    // It waited at least once (the first pause is 125-375 ms) and gave up rather than wait past
    // the deadline, which can come before 600 ms when the next pause would cross it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(120);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a refusal from the stream is not retried', async () => {
    const { stream, subject } = names();
    await jsm.streams.add({ name: stream, subjects: [subject], max_msg_size: 8 });
    const js = retryingPublishes(jetstream(nc, { timeout: 2000 }), { deadlineMs: 10_000 });
    const started = Date.now();
    await expect(js.publish(subject, 'far more than eight bytes')).rejects.toThrow(/maximum/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('everything but publish is the client underneath', async () => {
    const js = retryingPublishes(jetstream(nc));
    expect(typeof js.consumers.get).toBe('function');
    expect(js.getOptions()).toEqual(jetstream(nc).getOptions());
  });
});

describe('bus - resuming consume', () => {
  it('a bound consume pulls again within a second or two when its pull is lost (here: the consumer was replaced)', async () => {
    const nc = await connectNats(SERVICES.nats, 'resuming-consume-test');
    const jsm = await jetstreamManager(nc);
    const id = randomBytes(4).toString('hex');
    const stream = `RESUME_${id}`;
    const subject = `resume.${id}`;
    const config = { durable_name: 'worker', ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All };
    try {
      // A work queue, like the send and push streams: what was acked is gone for the next consumer.
      await jsm.streams.add({ name: stream, subjects: [subject], retention: RetentionPolicy.Workqueue });
      await jsm.consumers.add(stream, config);
      const js = jetstream(nc);
      const messages = await (await js.consumers.get(stream, 'worker')).consume(resumingConsume(10));
      const seen: Array<{ data: string; at: number }> = [];
      void (async () => {
        for await (const message of messages) {
          seen.push({ data: message.string(), at: Date.now() });
          message.ack();
        }
      })();
      await js.publish(subject, 'first');
      await expect.poll(() => seen.length, { timeout: 3000 }).toBe(1);
      // Acks leave on the connection's next write (CoalescingTransport): wait until the server has
      // it, or the replaced consumer would rightly deliver 'first' again.
      await expect
        .poll(async () => (await jsm.consumers.info(stream, 'worker')).num_ack_pending, { timeout: 3000 })
        .toBe(0);
      // The pull the client had waiting goes with the old consumer; a new one of the same name
      // knows nothing of it, as a consumer's new leader after a restart knows nothing of pulls sent to the old one.
      await jsm.consumers.delete(stream, 'worker');
      await jsm.consumers.add(stream, config);
      const sentAt = Date.now();
      await js.publish(subject, 'second');
      await expect.poll(() => seen.length, { timeout: 4000, interval: 50 }).toBe(2);
      expect(seen[1]!.data).toBe('second');
      expect(seen[1]!.at - sentAt).toBeLessThan(2500);
      await messages.close();
    } finally {
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    }
  });
});
