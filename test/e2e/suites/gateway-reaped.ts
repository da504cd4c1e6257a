import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../../../src/core/presence/presence-store.js';
import { createRedis, type RedisClient } from '../../../src/core/services/redis-client.js';
import { connectDevice, type TestDevice } from '../../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../../support/isolated-cluster.js';
import type { RedisTarget } from '../../support/redis-cluster.js';

/**
 * A gateway that presence reaps as dead while it lives on (its lease lapsed: a long stall, Redis
 * out of reach for longer than the lease) has lost its devices' routes: nothing committed
 * reaches them live. Its next lease renewal notices, and its clients reconnect and sync.
 * Run on the machine's Redis by gateway-reaped.test.ts, on a Redis Cluster by redis-cluster.test.ts.
 */
export function gatewayReapedSuite(redisTarget?: () => RedisTarget): void {
  const cluster = new IsolatedCluster();
  let gateway: RoleProcess;
  const open: TestDevice[] = [];
  let redis: RedisClient;

  beforeAll(async () => {
    if (redisTarget) cluster.redis = redisTarget();
    await cluster.setUp();
    await cluster.start('fanout', 'fanout-1');
    gateway = await cluster.start('gateway', 'gw-reaped', ['--heartbeat-ms', '300']);
    await cluster.waitReady(gateway);
    redis = createRedis(cluster.redis.url, cluster.redis.cluster);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((d) => d.close()));
    redis.disconnect();
    await cluster.tearDown();
  });

  describe('e2e - a gateway reaped while alive', () => {
    it('e2e - its clients reconnect and get what is sent after the reap, live', async () => {
      const reader = await connectDevice(cluster, [gateway], 'reaped-reader', 'phone');
      const writer = await connectDevice(cluster, [gateway], 'reaped-writer', 'phone');
      open.push(reader, writer);
      const room = await writer.client.createDirect('reaped-reader');
      await writer.client.send(room.id, 'before');
      await reader.waitForCount(room.id, 1);
      const states: string[] = [];
      reader.client.on('state', (event) => states.push(event.state));

      // What presence's reaper does to a node whose lease expired.
      const store = new RedisPresenceStore(redis, cluster.namespace);
      await store.removeNode('gw-reaped');
      for (const user of ['reaped-reader', 'reaped-writer']) await store.reapUser(user, 'gw-reaped', Date.now());

      await waitFor(
        () => states.includes('reconnecting') && reader.client.state === 'live' && writer.client.state === 'live',
        10_000,
        'the clients to reconnect',
      );
      await writer.client.send(room.id, 'after');
      const seen = await reader.waitForCount(room.id, 2, 5000);
      expect(seen.map((m) => m.body)).toEqual(['before', 'after']);
    });
  });
}
