import { randomBytes } from 'node:crypto';
import { jetstream, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePushStream, ensureSendStream } from '../../../src/core/bus/nats.js';
import { Subjects } from '../../../src/core/bus/subjects.js';
import { pushQueueFigures, sendStreamFigures } from '../../../src/core/bus/stream-figures.js';
import { SERVICES } from '../../support/isolated-cluster.js';

/** The send stream and push queue of a namespace of its own on the machine's NATS, with no consumer: what is published waits. */
const subjects = new Subjects(`tsf${randomBytes(4).toString('hex')}`, 16);
let nc: NatsConnection;
let jsm: JetStreamManager;

beforeAll(async () => {
  nc = await connect({ servers: SERVICES.nats });
  jsm = await ensureSendStream(nc, subjects, 1);
  await ensurePushStream(nc, subjects, 1);
});

afterAll(async () => {
  await jsm.streams.delete(subjects.sendStream).catch(() => {});
  await jsm.streams.delete(subjects.pushStream).catch(() => {});
  await nc.close();
});

describe('stream figures', () => {
  it('counts the sends waiting per partition, with when the oldest of each was stored', async () => {
    const js = jetstream(nc);
    const before = Date.now();
    await js.publish(subjects.send(3), 'a');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const between = Date.now();
    await js.publish(subjects.send(3), 'b');
    await js.publish(subjects.send(11), 'c');
    const figures = await sendStreamFigures(jsm, subjects);
    expect(figures).toMatchObject({ stream: subjects.sendStream, exists: true, waiting: 3 });
    expect(figures.backlog.map(({ partition, waiting }) => ({ partition, waiting }))).toEqual([
      { partition: 3, waiting: 2 },
      { partition: 11, waiting: 1 },
    ]);
    const [p3, p11] = figures.backlog;
    // The oldest of partition 3 is its first send, not the newer one.
    expect(p3!.oldestAt).toBeGreaterThanOrEqual(before - 50);
    expect(p3!.oldestAt).toBeLessThan(between);
    expect(p11!.oldestAt).toBeGreaterThanOrEqual(between - 50);
  });

  it('counts the push jobs waiting per platform', async () => {
    const js = jetstream(nc);
    await js.publish(subjects.push('fcm'), '{}');
    await js.publish(subjects.push('fcm'), '{}');
    expect(await pushQueueFigures(jsm, subjects)).toEqual({
      stream: subjects.pushStream,
      exists: true,
      waiting: 2,
      byPlatform: { apns: 0, fcm: 2 },
    });
  });

  it('says a stream does not exist yet rather than failing', async () => {
    const none = new Subjects(`tsf${randomBytes(4).toString('hex')}`, 16);
    expect(await sendStreamFigures(jsm, none)).toEqual({
      stream: none.sendStream,
      exists: false,
      waiting: 0,
      backlog: [],
    });
    expect(await pushQueueFigures(jsm, none)).toEqual({
      stream: none.pushStream,
      exists: false,
      waiting: 0,
      byPlatform: {},
    });
  });
});
