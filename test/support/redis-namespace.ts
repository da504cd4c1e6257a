import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { SERVICES } from './isolated-cluster.js';

/**
 * A Redis connection and a namespace of the suite's own on the machine's Redis: connected before
 * the suite's tests, its keys deleted and the connection closed after them. `redis` is set once
 * the suite's beforeAll ran.
 */
export function useRedisNamespace(prefix: string): { namespace: string; redis: () => Redis } {
  const namespace = `${prefix}${randomBytes(4).toString('hex')}`;
  let redis: Redis | undefined;
  beforeAll(() => {
    redis = new Redis(SERVICES.redis);
  });
  afterAll(async () => {
    if (!redis) return;
    const keys = await redis.keys(`${namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
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
