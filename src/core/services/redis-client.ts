import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * A connection to one Redis, or to a Redis Cluster (--redis-cluster). The stores take either: on
 * a cluster every script and transaction touches the keys of one hash slot (the `{...}` tags of
 * their names), and pipelines spanning slots go through pipelineOf() (redis-pipeline.ts).
 */
export type RedisClient = Redis | Cluster;

export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/** The URLs of a --redis-url: one, or comma-separated seed nodes of a cluster. */
export function redisSeeds(url: string): string[] {
  return url
    .split(',')
    .map((seed) => seed.trim())
    .filter((seed) => seed !== '');
}

/**
 * A client of the Redis at `url`. With `cluster`, `url` lists seed nodes (any masters or
 * replicas: the client learns the rest from CLUSTER SLOTS); their credentials and TLS are the
 * first seed's, as a cluster's nodes share them. `options` apply to every node's connection.
 */
export function createRedis(url: string, cluster: boolean, options: RedisOptions = {}): RedisClient {
  const seeds = redisSeeds(url);
  if (!cluster) {
    if (seeds.length > 1)
      throw new Error(
        'several Redis URLs are the seeds of a Redis Cluster: pass --redis-cluster (CHAT_REDIS_CLUSTER=true)',
      );
    return new Redis(url, options);
  }
  if (seeds.length === 0) throw new Error('--redis-cluster needs at least one seed node in --redis-url');
  const first = new URL(seeds[0]!);
  const { lazyConnect, enableOfflineQueue, ...nodeOptions } = options;
  return new Cluster(
    seeds.map((seed) => {
      const parsed = new URL(seed);
      return { host: parsed.hostname, port: Number(parsed.port || 6379) };
    }),
    {
      lazyConnect,
      enableOfflineQueue,
      redisOptions: {
        ...nodeOptions,
        ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
        ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
        ...(first.protocol === 'rediss:' ? { tls: {} } : {}),
      },
    },
  );
}
