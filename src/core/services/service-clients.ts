import type pg from 'pg';
import type { NatsConnection } from '@nats-io/transport-node';
import { connectNats, NatsFileError } from '../bus/nats.js';
import type { ClusterConfig } from '../config/cluster-config.js';
import { redactUrl } from '../config/redact-url.js';
import { createPool, type PoolOptions } from '../storage/postgres.js';
import { createRedis, type RedisClient } from './redis-client.js';

/** The three services every server role talks to. */
export interface ServiceClients {
  pool: pg.Pool;
  redis: RedisClient;
  nc: NatsConnection;
  close(): Promise<void>;
}

/** `rolePoolSize` is the role's default, which CHAT_POSTGRES_POOL (config.postgresPool) overrides. */
export async function connectServices(
  config: ClusterConfig,
  name: string,
  rolePoolSize = 10,
  poolOptions: PoolOptions = {},
): Promise<ServiceClients> {
  const pool = createPool(config.postgresUrl, config.postgresPool ?? rolePoolSize, poolOptions);
  const redis = createRedis(config.redisUrl, config.redisCluster, {
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: true,
  });
  redis.on('error', () => {}); // ioredis reconnects by itself; readiness reports the outage
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`cannot reach Postgres at ${redactUrl(config.postgresUrl)}: ${(error as Error).message}`);
  }
  try {
    await redis.connect();
  } catch (error) {
    await pool.end().catch(() => {});
    redis.disconnect();
    throw new Error(
      `cannot reach Redis${config.redisCluster ? ' Cluster' : ''} at ${redactUrl(config.redisUrl)}: ${(error as Error).message}`,
    );
  }
  let nc: NatsConnection;
  try {
    nc = await connectNats(config.natsUrl, name, { credsFile: config.natsCredsFile, tlsCaFile: config.natsTlsCaFile });
  } catch (error) {
    await pool.end().catch(() => {});
    redis.disconnect();
    if (error instanceof NatsFileError) throw error;
    throw new Error(`cannot reach NATS at ${redactUrl(config.natsUrl)}: ${(error as Error).message}`);
  }
  return {
    pool,
    redis,
    nc,
    async close() {
      await nc.drain().catch(() => {});
      redis.disconnect();
      await pool.end().catch(() => {});
    },
  };
}

/** Readiness of the three services, as failing parts. */
export async function serviceProblems(clients: ServiceClients): Promise<string[]> {
  const problems: string[] = [];
  await clients.pool.query('SELECT 1').catch(() => problems.push('postgres'));
  if (clients.redis.status !== 'ready') problems.push('redis');
  if (clients.nc.isClosed()) problems.push('nats');
  return problems;
}
