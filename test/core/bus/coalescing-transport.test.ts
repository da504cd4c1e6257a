import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '../../../src/core/bus/nats.js';
import { SERVICES } from '../../support/isolated-cluster.js';

/**
 * A TCP relay in front of NATS that counts the chunks the client writes: with CoalescingTransport,
 * everything published in one event-loop turn arrives in one write.
 */
let relay: Server;
let port = 0;
const chunks: number[] = [];

beforeAll(async () => {
  const nats = new URL(SERVICES.nats.replace(/^nats:/, 'http:'));
  const { connect } = await import('node:net');
  relay = createServer((client: Socket) => {
    const upstream = connect(Number(nats.port || 4222), nats.hostname);
    client.on('data', (data) => {
      chunks.push(data.byteLength);
      upstream.write(data);
    });
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('error', () => {});
    upstream.on('error', () => {});
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
  port = (relay.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => relay.close(() => resolve())));

describe('coalescing transport', () => {
  it('sends what one event-loop turn publishes in one socket write, in order', async () => {
    const nc = await connectNats(`nats://127.0.0.1:${port}`, 'coalescing-test');
    try {
      const seen: string[] = [];
      const subject = `coalesce.${process.pid}.${Date.now()}`;
      nc.subscribe(subject, { callback: (_error, msg) => void seen.push(msg.string()) });
      await nc.flush();
      chunks.length = 0;
      // Each publish in a callback of its own, as a gateway's sends arrive on their own sockets:
      // nats.js alone flushed after each callback (one write apiece).
      await new Promise<void>((resolve) => {
        for (let i = 0; i < 50; i++) setImmediate(() => nc.publish(subject, `m${i}`));
        setImmediate(resolve);
      });
      await nc.flush();
      // The 50 publishes left in one write, the flush's PING in at most one more.
      expect(chunks.length).toBeLessThanOrEqual(2);
      await expect.poll(() => seen.length).toBe(50);
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `m${i}`));
    } finally {
      await nc.close();
    }
  });

  it('keeps JetStream publishes and their acks working, each publish answered', async () => {
    const nc = await connectNats(`nats://127.0.0.1:${port}`, 'coalescing-js-test');
    const jsm = await jetstreamManager(nc);
    const stream = `COALESCE_${process.pid}_${Date.now()}`;
    try {
      await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
      const js = jetstream(nc);
      const acks = await Promise.all(
        Array.from({ length: 20 }, (_, i) => js.publish(`${stream}.x`, `n${i}`, { msgID: `id-${i}` })),
      );
      expect(acks.map((ack) => ack.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      // A resend with a known msg id is still seen as one.
      expect((await js.publish(`${stream}.x`, 'again', { msgID: 'id-3' })).duplicate).toBe(true);
    } finally {
      await jsm.streams.delete(stream).catch(() => {});
      await nc.close();
    }
  });
});
