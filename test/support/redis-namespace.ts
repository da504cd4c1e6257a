import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { createRedis, type RedisClient } from '../../src/core/services/redis-client.js';
import { SERVICES } from './isolated-cluster.js';
import { deleteKeys, type RedisTarget } from './redis-cluster.js';

/**
 * A Redis connection and a namespace of the suite's own, on the machine's Redis or on `target`
 * (a LocalRedisCluster's, read in beforeAll): connected before the suite's tests, its keys deleted
 * and the connection closed after them. `redis` is set once the suite's beforeAll ran.
 */
export function useRedisNamespace(
  prefix: string,
  target?: () => RedisTarget,
): { namespace: string; redis: () => RedisClient } {
  const namespace = `${prefix}${randomBytes(4).toString('hex')}`;
  let redis: RedisClient | undefined;
  let where: RedisTarget = { url: SERVICES.redis, cluster: false };
  beforeAll(() => {
    where = target?.() ?? where;
    redis = createRedis(where.url, where.cluster);
  });
  afterAll(async () => {
    if (!redis) return;
    await deleteKeys(where, `${namespace}:*`);
    redis.disconnect();
  });
  return {
    namespace,
    redis: () => {
      if (!redis) throw new Error('the Redis connection is made in beforeAll');
      return redis;
    },
  };
}
