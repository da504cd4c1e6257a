import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { createRedis, isCluster } from '../../src/core/services/redis-client.js';
import { afterAll, beforeAll, describe } from 'vitest';
import { defaultSearchPath, findBinary } from '../../src/devtools/binaries.js';
import { findFreePort } from '../../src/devtools/free-port.js';
import { runCommand } from '../../src/devtools/processes.js';

/** Where the roles find a Redis: one server, or the seed nodes of a Redis Cluster. */
export interface RedisTarget {
  url: string;
  cluster: boolean;
}

/**
 * A Redis Cluster of `masters` redis-server processes (no replicas, no persistence) on free ports
 * in a temporary folder, made with `redis-cli --cluster create`. Ready once every node says
 * cluster_state:ok; stop() kills them and removes the folder.
 */
export class LocalRedisCluster {
  private constructor(
    private readonly dir: string,
    private readonly servers: ChildProcess[],
    readonly ports: number[],
  ) {}

  /** The seed nodes, comma-separated, as --redis-url takes them with --redis-cluster. */
  get url(): string {
    return this.ports.map((port) => `redis://127.0.0.1:${port}`).join(',');
  }

  get target(): RedisTarget {
    return { url: this.url, cluster: true };
  }

  static async start(masters = 3): Promise<LocalRedisCluster> {
    const searchPath = defaultSearchPath();
    const server = findBinary('redis-server', searchPath);
    const cli = findBinary('redis-cli', searchPath);
    if (!server || !cli) throw new Error('a local Redis Cluster needs redis-server and redis-cli on the PATH');
    const dir = await mkdtemp(join(tmpdir(), 'chat-redis-cluster-'));
    const ports: number[] = [];
    const servers: ChildProcess[] = [];
    const cluster = new LocalRedisCluster(dir, servers, ports);
    try {
      for (let i = 0; i < masters; i++) {
        // The bus port is named too: the default (port + 10000) may be past 65535 or taken.
        const [port, busPort] = [await findFreePort(), await findFreePort()];
        ports.push(port);
        servers.push(
          spawn(
            server,
            [
              ...['--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', dir],
              ...[
                '--cluster-enabled',
                'yes',
                '--cluster-config-file',
                `nodes-${port}.conf`,
                '--appendonly',
                'no',
                '--save',
                '',
              ],
              ...['--logfile', join(dir, `redis-${port}.log`)],
            ],
            { stdio: 'ignore' },
          ),
        );
      }
      await Promise.all(
        ports.map((port) => cluster.waitFor(port, (redis) => redis.ping().then((pong) => pong === 'PONG'), 'PONG')),
      );
      const nodes = ports.map((port) => `127.0.0.1:${port}`);
      const created = await runCommand(
        cli,
        ['--cluster', 'create', ...nodes, '--cluster-replicas', '0', '--cluster-yes'],
        { timeoutMs: 30_000 },
      );
      if (created.code !== 0) throw new Error(`redis-cli --cluster create failed: ${created.output}`);
      const ok = async (redis: Redis) => /cluster_state:ok/.test(String(await redis.call('CLUSTER', 'INFO')));
      await Promise.all(ports.map((port) => cluster.waitFor(port, ok, 'cluster_state:ok')));
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  private async waitFor(port: number, check: (redis: Redis) => Promise<boolean>, what: string): Promise<void> {
    const redis = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => 100,
    });
    redis.on('error', () => {});
    const deadline = Date.now() + 20_000;
    try {
      while (Date.now() < deadline) {
        if (await check(redis).catch(() => false)) return;
        await sleep(100);
      }
      throw new Error(`redis-server on port ${port} did not answer ${what} within 20 s`);
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      ),
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A local Redis Cluster for the suite: started before its tests, stopped after them. */
export function useLocalRedisCluster(masters = 3): { cluster: () => LocalRedisCluster } {
  let cluster: LocalRedisCluster | undefined;
  beforeAll(async () => {
    cluster = await LocalRedisCluster.start(masters);
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });
  return {
    cluster: () => {
      if (!cluster) throw new Error('the Redis Cluster is started in beforeAll');
      return cluster;
    },
  };
}

/** Deletes the keys matching `pattern` on every master (SCAN sees one node's keys only). */
export async function deleteKeys(target: RedisTarget, pattern: string): Promise<void> {
  const client = createRedis(target.url, target.cluster, { lazyConnect: true });
  try {
    await client.connect();
    for (const node of isCluster(client) ? client.nodes('master') : [client]) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        // One DEL per key: a cluster refuses a DEL of keys in several slots.
        if (keys.length > 0) await Promise.all(keys.map((key) => node.del(key)));
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    client.disconnect();
  }
}

/**
 * Declares `suite` twice: on the machine's Redis (no target) and on a local Redis Cluster of the
 * file's own, where a script or pipeline over several slots fails.
 */
export function onRedisAndCluster(suite: (target?: () => RedisTarget) => void): void {
  const { cluster } = useLocalRedisCluster();
  describe.each([
    { on: 'one Redis', target: undefined },
    { on: 'a Redis Cluster', target: () => cluster().target },
  ])('on $on', ({ target }) => suite(target));
}
