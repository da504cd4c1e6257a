import type { RedisClient } from '../services/redis-client.js';

/** The server roles; each of their nodes keeps a lease in the registry. */
export type NodeRole = 'gateway' | 'fanout' | 'presence' | 'pusher';

const ROLE_ORDER: NodeRole[] = ['gateway', 'fanout', 'presence', 'pusher'];

/** What one running node says about itself (`chat-node status` lists these). */
export interface NodeRecord {
  role: NodeRole;
  nodeId: string;
  /** The machine it runs on (its hostname). */
  host: string;
  pid: number;
  /**
   * Base URL of its /metrics, /readyz and /trace: its own admin listener, or the listener of the
   * process it runs in (the roles of `chat-node dev` share the gateway's). None without one.
   */
  adminUrl?: string;
  /** Gateways: the WebSocket URL clients connect to. */
  clientUrl?: string;
  /** chat-node's version (package.json). */
  version: string;
  /** When the node started, ms since the epoch. */
  startedAt: number;
}

/**
 * An index entry is dropped this long after its lease ran out. Liveness is the record key's own
 * TTL (Redis's clock); the index's expiry is the writer's clock, so it is only pruned well past
 * any plausible clock skew between the machines.
 */
const INDEX_SLACK_MS = 60_000;

/**
 * Which nodes of a cluster are alive, in Redis:
 * - `<ns>:registry:{nodes}:<node>`: the node's record (JSON), with a TTL its lease renews;
 * - `<ns>:registry:{nodes}`: node -> lease expiry (ms), a sorted set, so that readers list the
 *   nodes without KEYS or SCAN over the keyspace, and prune the entries of nodes that died.
 * Every key carries the `{nodes}` hash tag: one Redis Cluster slot, so a renewal is one MULTI and
 * a listing one MGET. It is a handful of keys per node, written every few seconds.
 */
export class NodeRegistry {
  constructor(
    private readonly redis: RedisClient,
    private readonly namespace: string,
    private readonly now: () => number = Date.now,
  ) {}

  private get indexKey(): string {
    return `${this.namespace}:registry:{nodes}`;
  }

  private recordKey(nodeId: string): string {
    return `${this.namespace}:registry:{nodes}:${nodeId}`;
  }

  /** Writes (or renews) a node's record for `ttlMs`. */
  async put(record: NodeRecord, ttlMs: number): Promise<void> {
    const replies = await this.redis
      .multi()
      .set(this.recordKey(record.nodeId), JSON.stringify(record), 'PX', ttlMs)
      .zadd(this.indexKey, this.now() + ttlMs, record.nodeId)
      .exec();
    const failed = replies?.find(([error]) => error !== null);
    if (!replies || failed) throw failed?.[0] ?? new Error('the registry write was discarded');
  }

  /** A node's planned exit: its record goes at once rather than at the end of its TTL. */
  async remove(nodeId: string): Promise<void> {
    await this.redis.multi().del(this.recordKey(nodeId)).zrem(this.indexKey, nodeId).exec();
  }

  /** The nodes whose lease is alive, by role (gateways first), then node id. */
  async list(): Promise<NodeRecord[]> {
    await this.redis.zremrangebyscore(this.indexKey, '-inf', `(${this.now() - INDEX_SLACK_MS}`);
    const nodeIds = await this.redis.zrange(this.indexKey, 0, -1);
    if (nodeIds.length === 0) return [];
    const values = await this.redis.mget(nodeIds.map((nodeId) => this.recordKey(nodeId)));
    const records = values.flatMap((value) => {
      const record = value === null ? undefined : parseRecord(value);
      return record ? [record] : [];
    });
    return records.sort(
      (a, b) =>
        ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) ||
        a.nodeId.localeCompare(b.nodeId, 'en', { numeric: true }),
    );
  }
}

/** A record as stored, or undefined for anything else (a newer writer's shape is read where it fits). */
function parseRecord(value: string): NodeRecord | undefined {
  try {
    const parsed = JSON.parse(value) as Partial<NodeRecord>;
    if (typeof parsed.nodeId !== 'string' || !ROLE_ORDER.includes(parsed.role as NodeRole)) return undefined;
    return parsed as NodeRecord;
  } catch {
    return undefined;
  }
}
