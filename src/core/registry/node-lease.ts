import { readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname } from 'node:os';
import type { RedisClient } from '../services/redis-client.js';
import type { Logger } from 'pino';
import { NodeRegistry, type NodeRecord, type NodeRole } from './node-registry.js';

/** chat-node's version, from the package.json two folders above src/ and dist/ alike. */
export const PACKAGE_VERSION = ((): string => {
  try {
    return (
      (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: string })
        .version ?? 'unknown'
    );
  } catch {
    return 'unknown';
  }
})();

export interface NodeLeaseOptions {
  /** How often the lease is renewed (default 3000 ms). */
  renewMs?: number;
  /** How long a lease outlives its last renewal: a node that dies leaves the registry after this (default 10000 ms). */
  ttlMs?: number;
  log?: Logger;
}

/** Where a node can be reached: its admin listener, and for a gateway the clients' endpoint. */
export interface NodeAddresses {
  adminUrl?: string;
  clientUrl?: string;
}

/**
 * A node's entry in the cluster's registry (node-registry.ts), renewed until stop(). It is for
 * operators (`chat-node status`), so it never holds a node back: a renewal that fails (Redis out
 * of reach) is logged and tried again at the next turn.
 */
export class NodeLease {
  private timer?: NodeJS.Timeout;
  private renewing?: Promise<void>;
  private failing = false;

  private constructor(
    private readonly registry: NodeRegistry,
    readonly record: NodeRecord,
    private readonly options: NodeLeaseOptions,
  ) {}

  /** Writes the node's record and keeps it alive. */
  static async start(
    redis: RedisClient,
    config: { namespace: string; nodeId: string },
    role: NodeRole,
    addresses: NodeAddresses,
    log?: Logger,
    options: NodeLeaseOptions = {},
  ): Promise<NodeLease> {
    const record: NodeRecord = {
      role,
      nodeId: config.nodeId,
      host: hostname(),
      pid: process.pid,
      ...definedOnly(addresses),
      version: PACKAGE_VERSION,
      startedAt: Date.now(),
    };
    const lease = new NodeLease(new NodeRegistry(redis, config.namespace), record, { log, ...options });
    await lease.renew();
    lease.timer = setInterval(() => void lease.renew(), options.renewMs ?? 3000);
    lease.timer.unref();
    return lease;
  }

  private renew(): Promise<void> {
    this.renewing ??= this.registry
      .put(this.record, this.options.ttlMs ?? 10_000)
      .then(() => {
        if (this.failing) this.options.log?.info('node lease renewed again');
        this.failing = false;
      })
      .catch((error: unknown) => {
        if (!this.failing)
          this.options.log?.warn(
            { err: error },
            'could not renew the node lease (chat-node status will miss this node until it can)',
          );
        this.failing = true;
      })
      .finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  /** Takes the record out of the registry (waiting at most a second for Redis). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.renewing;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, 1000)));
    await Promise.race([this.registry.remove(this.record.nodeId).catch(() => {}), late]);
    clearTimeout(timer);
  }
}

/**
 * The URL a listening server is reached at: its bound address, or this machine's hostname when it
 * listens on every address (0.0.0.0, ::). Undefined when there is no server.
 */
export function listenerUrl(server: Server | undefined, scheme: 'http' | 'ws' = 'http', path = ''): string | undefined {
  const address = server?.address();
  if (!address || typeof address !== 'object') return undefined;
  const bound = address.address;
  const host = bound === '0.0.0.0' || bound === '::' ? hostname() : bound.includes(':') ? `[${bound}]` : bound;
  return `${scheme}://${host}:${address.port}${path}`;
}

function definedOnly(addresses: NodeAddresses): NodeAddresses {
  return Object.fromEntries(Object.entries(addresses).filter(([, value]) => value !== undefined));
}
