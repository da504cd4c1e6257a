import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { proxyService, type ProxiedService } from '../../src/faults/proxied-service.js';
import { connectDevice, seqsOf, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, SERVICES, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * The fan-out cut off from Redis (its link blackholed: no reply, no error) while Postgres and
 * NATS work. Routes and the history cache are rebuildable; a committed send must still be acked
 * to its sender, delivered live to the members' connected devices and acked on JetStream, or the
 * partition's unacked sends pile up until the consumer stops delivering. Before, the route lookup
 * hung (or failed and retried the whole batch, commit included) and nothing went out until Redis
 * answered again.
 */
const cluster = new IsolatedCluster();
let redis: ProxiedService;
let gateway: RoleProcess;
let nc: NatsConnection;
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  redis = await proxyService(SERVICES.redis);
  await cluster.start('fanout', 'fanout-a', [], { CHAT_REDIS_URL: redis.url });
  gateway = await cluster.start('gateway', 'gw-a');
  await cluster.waitReady(gateway);
  nc = await connect({ servers: SERVICES.nats });
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((device) => device.close()));
  await nc?.close();
  await redis?.proxy.close();
  await cluster.tearDown();
});

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms)),
  ]);
}

describe('e2e - fan-out cut off from Redis', () => {
  it('e2e - sends are acked, delivered live in order and acked on JetStream while the fan-out cannot reach Redis', async () => {
    const alice = await connectDevice(cluster, [gateway], 'alice', 'laptop');
    const bob = await connectDevice(cluster, [gateway], 'bob', 'phone');
    open.push(alice, bob);
    const room = await alice.client.createDirect('bob');
    await alice.client.send(room.id, 'before');
    await bob.waitForCount(room.id, 1);

    await redis.proxy.setMode({ kind: 'blackhole' });
    const acks = await within(
      Promise.all(['during 1', 'during 2', 'during 3'].map((body) => alice.client.send(room.id, body))),
      10_000,
      'acks while Redis is cut off',
    );
    expect(acks.map((ack) => ack.seq)).toEqual([2, 3, 4]);
    const seen = await bob.waitForCount(room.id, 4, 10_000);
    expect(seqsOf(seen)).toEqual([1, 2, 3, 4]);
    expect(seen.map((message) => message.body)).toEqual(['before', 'during 1', 'during 2', 'during 3']);
    // Acked on JetStream too, Redis still cut off: nothing waits in the send stream.
    const jsm = await jetstreamManager(nc);
    await waitFor(
      async () => (await jsm.streams.info(`${cluster.namespace.toUpperCase()}_SEND`)).state.messages === 0,
      5000,
      'the send stream to be empty',
    );

    await redis.proxy.heal();
    await alice.client.send(room.id, 'after');
    const all = await bob.waitForCount(room.id, 5, 10_000);
    expect(seqsOf(all)).toEqual([1, 2, 3, 4, 5]);
  }, 45_000);
});
