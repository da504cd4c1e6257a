import { jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { hostname } from 'node:os';
import pg from 'pg';
import { Subjects } from '../core/bus/subjects.js';
import { redactUrl } from '../core/config/redact-url.js';
import { NodeRegistry, type NodeRecord } from '../core/registry/node-registry.js';
import { createRedis, type RedisClient } from '../core/services/redis-client.js';
import { describeError } from '../devtools/probe.js';
import { loadMigrations } from '../core/storage/migrations.js';
import {
  composeStatus,
  reachable,
  type ClusterStatus,
  type PartitionOwner,
  type SchemaStatus,
  type ServiceName,
  type ServiceState,
  type UrlSource,
} from './cluster-status.js';
import { probeAdmin } from './node-probe.js';
import {
  pushQueueFigures,
  sendStreamFigures,
  type PushQueueFigures,
  type SendStreamFigures,
} from '../core/bus/stream-figures.js';

/** Which cluster status looks at, and how long it waits. */
export interface StatusTarget {
  namespace: string;
  /** Send partitions the cluster runs with (CHAT_PARTITIONS, default 16). */
  partitions: number;
  services: Record<ServiceName, { url: string; from: UrlSource }>;
  /** The Redis is a Redis Cluster (CHAT_REDIS_CLUSTER); its URL lists seed nodes. */
  redisCluster?: boolean;
  /** How long one node's admin listener may take to answer (default 1000 ms). */
  nodeTimeoutMs: number;
  /** How long one service may take to answer (default 2000 ms). */
  serviceTimeoutMs: number;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

/**
 * Gathers a cluster's status: the nodes from their leases in Redis, each node's /readyz and
 * /metrics, the schema and the partition leases in Postgres, the send stream and the push queue in
 * JetStream. It keeps its connections between calls (`status --watch` calls it every second) and
 * makes them again after a service comes back; every step has a deadline, so one service or node
 * that hangs costs its own line, never the whole view.
 */
export class StatusCollector {
  private redis?: RedisClient;
  private redisError?: Error;
  private pool?: pg.Pool;
  private nats?: { nc: NatsConnection; jsm: JetStreamManager };
  private readonly subjects: Subjects;
  private shipped?: Promise<{ version: number; name: string }[]>;

  constructor(private readonly target: StatusTarget) {
    this.subjects = new Subjects(target.namespace, target.partitions);
  }

  async collect(): Promise<ClusterStatus> {
    const { serviceTimeoutMs, nodeTimeoutMs } = this.target;
    const [nodes, postgres, nats] = await Promise.all([
      attempt(serviceTimeoutMs, () => this.nodes()),
      attempt(serviceTimeoutMs, () => this.fromPostgres()),
      attempt(serviceTimeoutMs, () => this.fromNats()),
    ]);
    const localHost = hostname();
    const askable = (nodes.ok ? nodes.value : []).filter(
      (node) => node.adminUrl !== undefined && reachable(node, localHost),
    );
    const urls = [...new Set(askable.map((node) => node.adminUrl!))];
    const answers = new Map(
      await Promise.all(urls.map(async (url) => [url, await probeAdmin(url, nodeTimeoutMs)] as const)),
    );
    const state = (name: ServiceName, outcome: Outcome<unknown>): ServiceState => {
      const { url, from } = this.target.services[name];
      return { url: redactUrl(url), from, ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error }) };
    };
    return composeStatus({
      now: Date.now(),
      localHost,
      namespace: this.target.namespace,
      partitions: this.target.partitions,
      services: { postgres: state('postgres', postgres), redis: state('redis', nodes), nats: state('nats', nats) },
      answers,
      ...(nodes.ok ? { nodes: nodes.value } : {}),
      ...(postgres.ok ? postgres.value : {}),
      ...(nats.ok ? nats.value : {}),
    });
  }

  private async nodes(): Promise<NodeRecord[]> {
    const redis = (this.redis ??= this.connectRedis());
    // A client that lost Redis reconnects by itself; until then, the reason it gave.
    if (redis.status === 'wait' || redis.status === 'end') {
      await redis.connect().catch((error: unknown) => {
        throw this.redisError ?? error;
      });
    } else if (redis.status !== 'ready') {
      throw this.redisError ?? new Error(`not connected (${redis.status})`);
    }
    return new NodeRegistry(redis, this.target.namespace).list();
  }

  private connectRedis(): RedisClient {
    const redis = createRedis(this.target.services.redis.url, this.target.redisCluster ?? false, {
      lazyConnect: true,
      connectTimeout: this.target.serviceTimeoutMs,
      // disconnect() arms a timer of this length to destroy the socket, cleared when the socket
      // closes: after a refused connection it never closes again, and the default 2 s held the
      // command's exit.
      disconnectTimeout: 100,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => 1000,
    });
    // ioredis rejects connect() with a bare "Connection is closed."; the cause comes as an 'error' event.
    redis.on('error', (error: Error) => (this.redisError = error));
    redis.on('ready', () => (this.redisError = undefined));
    return redis;
  }

  private async fromPostgres(): Promise<{ schema: SchemaStatus; owners: PartitionOwner[] }> {
    const { partitions } = this.target;
    const pool = (this.pool ??= this.createPool());
    const missingTable = (error: unknown) =>
      (error as { code?: string }).code === '42P01' ? { rows: [] } : Promise.reject(error);
    const [applied, leases, shipped] = await Promise.all([
      pool.query<{ version: number }>('SELECT version FROM schema_migrations').catch(missingTable),
      pool
        .query<{ partition: number; owner: string }>(
          'SELECT partition, owner FROM fanout_partitions WHERE partition < $1 AND owner IS NOT NULL AND lease_until > now()',
          [partitions],
        )
        .catch(missingTable),
      (this.shipped ??= loadMigrations()),
    ]);
    const done = new Set(applied.rows.map((row) => row.version));
    const schema: SchemaStatus = {
      applied: Math.max(0, ...done),
      shipped: Math.max(0, ...shipped.map((migration) => migration.version)),
      pending: shipped.filter((migration) => !done.has(migration.version)).map((migration) => migration.name),
    };
    // A lease's owner is `<node id>#<incarnation>` (partition-leases.ts).
    const byPartition = new Map(leases.rows.map((row) => [row.partition, row.owner.split('#')[0]!]));
    const owners = Array.from({ length: partitions }, (_, partition) => ({
      partition,
      owner: byPartition.get(partition) ?? null,
    }));
    return { schema, owners };
  }

  private createPool(): pg.Pool {
    const { serviceTimeoutMs } = this.target;
    const pool = new pg.Pool({
      connectionString: this.target.services.postgres.url,
      max: 2,
      connectionTimeoutMillis: serviceTimeoutMs,
      idleTimeoutMillis: 10_000,
      query_timeout: serviceTimeoutMs,
    });
    // An idle client that loses its server emits 'error' on the pool; the next query reports it.
    pool.on('error', () => {});
    return pool;
  }

  private async fromNats(): Promise<{ sendStream: SendStreamFigures; pushQueue: PushQueueFigures }> {
    if (!this.nats || this.nats.nc.isClosed()) {
      const { url } = this.target.services.nats;
      const timeout = this.target.serviceTimeoutMs;
      const nc = await connect({
        servers: url.split(',').map((server) => server.trim()),
        timeout,
        reconnect: false,
        name: 'chat-node status',
      });
      try {
        this.nats = { nc, jsm: await jetstreamManager(nc, { timeout }) };
      } catch (error) {
        await nc.close().catch(() => {});
        throw error;
      }
    }
    const { jsm } = this.nats;
    const [sendStream, pushQueue] = await Promise.all([
      sendStreamFigures(jsm, this.subjects),
      pushQueueFigures(jsm, this.subjects),
    ]);
    return { sendStream, pushQueue };
  }

  async close(): Promise<void> {
    this.redis?.disconnect();
    await Promise.all([this.pool?.end().catch(() => {}), this.nats?.nc.close().catch(() => {})]);
  }
}

/** Runs `step` under a deadline; its error (or the deadline) as one line of text. */
async function attempt<T>(timeoutMs: number, step: () => Promise<T>): Promise<Outcome<T>> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Outcome<T>>(
    (resolve) =>
      (timer = setTimeout(() => resolve({ ok: false, error: `no answer within ${timeoutMs} ms` }), timeoutMs)),
  );
  try {
    return await Promise.race([
      step().then(
        (value): Outcome<T> => ({ ok: true, value }),
        (error: unknown): Outcome<T> => ({ ok: false, error: describeError(error) }),
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
