import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { NodeLease } from '../../src/core/registry/node-lease.js';
import { createRedis } from '../../src/core/services/redis-client.js';
import { StatusCollector } from '../../src/status/status-collector.js';
import { SERVICES } from '../support/isolated-cluster.js';
import { deleteKeys, useLocalRedisCluster } from '../support/redis-cluster.js';
import { gatewayReapedSuite } from './suites/gateway-reaped.js';
import { messagingSuite } from './suites/messaging.js';
import { presenceSuite } from './suites/presence.js';

/**
 * The messaging, presence and reaping suites, unchanged, with every role on a local Redis Cluster
 * of three masters: each script and transaction must stay in one slot, and each pipeline over
 * many users and rooms must be split per node (docs/deploy.md, Redis Cluster).
 */
const { cluster } = useLocalRedisCluster(3);
const target = () => cluster().target;

describe('on a 3-master Redis Cluster', () => {
  describe('messaging', () => messagingSuite(target, 'route'));
  describe('presence', () => presenceSuite(target));
  describe('a reaped gateway', () => gatewayReapedSuite(target));

  it('status lists the nodes from their leases on the cluster', async () => {
    const redis = createRedis(cluster().url, true);
    const lease = await NodeLease.start(redis, { namespace: 'rcstatus', nodeId: 'fanout-rc' }, 'fanout', {});
    const given = 'given' as const;
    const collector = new StatusCollector({
      namespace: 'rcstatus',
      partitions: 16,
      services: {
        postgres: { url: SERVICES.postgresAdmin, from: given },
        redis: { url: cluster().url, from: given },
        nats: { url: SERVICES.nats, from: given },
      },
      redisCluster: true,
      nodeTimeoutMs: 500,
      serviceTimeoutMs: 2000,
    });
    try {
      const status = await collector.collect();
      expect(status.services.redis.ok).toBe(true);
      expect(status.nodes?.map((node) => node.nodeId)).toEqual(['fanout-rc']);
    } finally {
      await collector.close();
      await lease.stop();
      redis.disconnect();
      await deleteKeys(cluster().target, 'rcstatus:*');
    }
  });

  it("the roles used every master (not the machine's Redis)", async () => {
    for (const port of cluster().ports) {
      const redis = new Redis(port, '127.0.0.1');
      try {
        const processed = Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
        expect(processed).toBeGreaterThan(500);
      } finally {
        redis.disconnect();
      }
    }
  });
});
