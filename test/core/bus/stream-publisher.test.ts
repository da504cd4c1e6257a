import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connectNats, retryingPublishes, type NatsConnection } from '../../../src/core/bus/nats.js';
import { JetStreamPublisher } from '../../../src/core/bus/stream-publisher.js';
import { SERVICES } from '../../support/isolated-cluster.js';

let nc: NatsConnection;
let jsm: JetStreamManager;
const id = randomBytes(4).toString('hex');
const stream = `PUBLISHER_${id}`;
const subject = `publisher.${id}`;

beforeAll(async () => {
  nc = await connectNats(SERVICES.nats, 'stream-publisher-test');
  jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: stream, subjects: [`${subject}.*`], max_msg_size: 1024 });
});

afterAll(async () => {
  await jsm.streams.delete(stream).catch(() => {});
  await nc.close();
});

describe('JetStream publisher', () => {
  it("answers each publish with the stream's sequence, and a msgID seen before as a duplicate", async () => {
    const publisher = new JetStreamPublisher(nc);
    const acks = await Promise.all(
      ['a', 'b', 'c'].map((n) => publisher.publish(`${subject}.x`, Buffer.from(n), { msgID: `m-${n}` })),
    );
    expect(acks.map((ack) => [ack.stream, ack.duplicate])).toEqual([
      [stream, false],
      [stream, false],
      [stream, false],
    ]);
    expect(new Set(acks.map((ack) => ack.seq)).size).toBe(3);
    const again = await publisher.publish(`${subject}.x`, Buffer.from('b again'), { msgID: 'm-b' });
    expect(again).toMatchObject({ duplicate: true, seq: acks[1]!.seq });
    const info = await jsm.streams.info(stream);
    expect(info.state.messages).toBe(3);
    publisher.close();
  });

  it('fails a publish nobody answers as nats.js does (no responders), so retryingPublishes waits it out', async () => {
    const publisher = new JetStreamPublisher(nc);
    await expect(publisher.publish(`nostream.${id}`, Buffer.from('x'), { msgID: 'n1' })).rejects.toMatchObject({
      name: 'JetStreamNotEnabled',
    });
    const retrying = retryingPublishes(publisher, { deadlineMs: 5000, pauseMs: 100 });
    const late = `late.${id}`;
    const pending = retrying.publish(`${late}.x`, Buffer.from('x'), { msgID: 'l1' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await jsm.streams.add({ name: `LATE_${id}`, subjects: [`${late}.*`] });
    try {
      await expect(pending).resolves.toMatchObject({ stream: `LATE_${id}`, duplicate: false });
    } finally {
      await jsm.streams.delete(`LATE_${id}`).catch(() => {});
      publisher.close();
    }
  });

  it("passes the stream's refusal on without retrying it", async () => {
    const publisher = retryingPublishes(new JetStreamPublisher(nc), { deadlineMs: 10_000 });
    const started = Date.now();
    await expect(publisher.publish(`${subject}.x`, Buffer.alloc(2048), { msgID: 'big' })).rejects.toMatchObject({
      name: 'JetStreamApiError',
    });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('times a publish out when no answer comes by its deadline', async () => {
    const publisher = new JetStreamPublisher(nc);
    // Something answers the subject, but never replies: the publish waits until its timeout.
    const silent = `silent.${id}`;
    const sub = nc.subscribe(silent, { callback: () => {} });
    await nc.flush();
    const started = Date.now();
    await expect(publisher.publish(silent, Buffer.from('x'), { msgID: 's1', timeout: 300 })).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(Date.now() - started).toBeLessThan(1000);
    sub.unsubscribe();
    publisher.close();
  });
});
