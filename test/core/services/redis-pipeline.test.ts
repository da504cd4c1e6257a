import { describe, expect, it } from 'vitest';
import calculateSlot from 'cluster-key-slot';
import { createRedis, type RedisClient } from '../../../src/core/services/redis-client.js';
import { pipelineOf, pipelineReplies } from '../../../src/core/services/redis-pipeline.js';
import { useLocalRedisCluster } from '../../support/redis-cluster.js';
import { useRedisNamespace } from '../../support/redis-namespace.js';

const { namespace, redis } = useRedisNamespace('trp');

describe('redis pipeline replies', () => {
  it("answers every command's reply in order, and throws the error of a command that failed", async () => {
    const key = `${namespace}:plain`;
    expect(await pipelineReplies(redis().pipeline().set(key, 'a').get(key).incr(`${namespace}:n`))).toEqual([
      'OK',
      'a',
      1,
    ]);
    await expect(pipelineReplies(redis().pipeline().get(key).hset(key, 'field', 'x'))).rejects.toThrow(/WRONGTYPE/);
  });
});

const { cluster } = useLocalRedisCluster();

async function withCluster(work: (redis: RedisClient) => Promise<void>): Promise<void> {
  const redis = createRedis(cluster().url, true, { lazyConnect: true });
  await redis.connect();
  try {
    await work(redis);
  } finally {
    redis.disconnect();
  }
}

describe('redis pipeline on a cluster', () => {
  it('runs the commands of many slots, answered in the order queued', async () => {
    await withCluster(async (redis) => {
      const users = Array.from({ length: 50 }, (_, i) => `user${i}`);
      expect(new Set(users.map((user) => calculateSlot(`{${user}}`))).size).toBeGreaterThan(10);
      const write = pipelineOf(redis);
      users.forEach((user, i) => write.set(`p:route:{${user}}`, String(i)).incr(`p:n:{${user}}`));
      expect(await pipelineReplies(write)).toEqual(users.flatMap(() => ['OK', 1]));
      const read = pipelineOf(redis);
      for (const user of [...users].reverse()) read.get(`p:route:{${user}}`);
      expect(await pipelineReplies(read)).toEqual(users.map((_, i) => String(i)).reverse());
    });
  });

  it('keeps the order within a slot: a read sees the writes queued before it', async () => {
    await withCluster(async (redis) => {
      const pipeline = pipelineOf(redis);
      for (let i = 0; i < 5; i++)
        pipeline.rpush('p:list:{same}', String(i)).llen('p:list:{same}').get(`p:other:{u${i}}`);
      const replies = await pipelineReplies(pipeline);
      expect(replies.filter((_, i) => i % 3 === 1)).toEqual([1, 2, 3, 4, 5]);
    });
  });

  it("answers a failed command's error in its place, and pipelineReplies throws it", async () => {
    await withCluster(async (redis) => {
      await redis.set('p:string:{x}', 'a');
      const results = await pipelineOf(redis)
        .get('p:string:{x}')
        .hset('p:string:{x}', 'f', 'v')
        .get('p:string:{y}')
        .exec();
      expect(results?.map(([error]) => error?.message.slice(0, 9) ?? null)).toEqual([null, 'WRONGTYPE', null]);
      expect(results?.[0]?.[1]).toBe('a');
      await expect(pipelineReplies(pipelineOf(redis).get('p:a:{1}').hset('p:string:{x}', 'f', 'v'))).rejects.toThrow(
        /WRONGTYPE/,
      );
    });
  });

  it("is needed: ioredis refuses one pipeline over several nodes' slots", async () => {
    await withCluster(async (redis) => {
      const users = Array.from({ length: 20 }, (_, i) => `user${i}`);
      const pipeline = redis.pipeline();
      for (const user of users) pipeline.get(`p:route:{${user}}`);
      await expect(pipeline.exec()).rejects.toThrow(/same slot/);
    });
  });

  it('is one plain pipeline on a single Redis', async () => {
    const redis = createRedis('redis://127.0.0.1:6379', false, { lazyConnect: true });
    expect(pipelineOf(redis).constructor.name).toBe('Pipeline');
    redis.disconnect();
  });
});
