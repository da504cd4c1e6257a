import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { useLocalRedisCluster } from '../support/redis-cluster.js';
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
  describe('messaging', () => messagingSuite(target));
  describe('presence', () => presenceSuite(target));
  describe('a reaped gateway', () => gatewayReapedSuite(target));

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
