import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { signDeviceToken } from '../../src/core/auth/jwt.js';
import { migrate } from '../../src/core/storage/migrations.js';
import { createRedis } from '../../src/core/services/redis-client.js';
import { RedisRouteRegistry } from '../../src/core/routing/route-registry.js';
import { deleteKeys, type RedisTarget } from './redis-cluster.js';

/** The machine's services; CI (.ci/run) makes sure they run. Override with CHAT_TEST_*_URL. */
export const SERVICES = {
  postgresAdmin: process.env.CHAT_TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres',
  redis: process.env.CHAT_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
  nats: process.env.CHAT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
};

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface RoleProcess {
  name: string;
  child: ChildProcess;
  output: string[];
  readonly port: number;
  /**
   * Where its /metrics, /readyz and /trace answer: a gateway's admin listener (it logs the port
   * it got), the only HTTP port of the other roles.
   */
  readonly adminPort: number;
  /** Ends the process with a signal and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * One test suite's own cluster on the machine's Postgres, Redis and NATS: a fresh database,
 * a unique namespace for NATS subjects, streams and Redis keys, and a JWT secret. Roles run as
 * real `chat-node` processes (bin/run.js over dist/, built by `npm test`'s pretest).
 */
export class IsolatedCluster {
  readonly id = randomBytes(4).toString('hex');
  readonly namespace = `t${this.id}`;
  readonly database = `chat_test_${this.id}`;
  readonly secret = randomBytes(24).toString('base64url');
  readonly processes: RoleProcess[] = [];
  /** The machine's Redis unless a suite sets another (a LocalRedisCluster's) before it starts roles. */
  redis: RedisTarget = { url: SERVICES.redis, cluster: false };

  get postgresUrl(): string {
    const url = new URL(SERVICES.postgresAdmin);
    url.pathname = `/${this.database}`;
    return url.toString();
  }

  async setUp(): Promise<void> {
    const admin = new pg.Client({ connectionString: SERVICES.postgresAdmin });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${this.database}`);
    await admin.end();
    const pool = new pg.Pool({ connectionString: this.postgresUrl, max: 1 });
    await migrate(pool);
    await pool.end();
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      ...process.env,
      CHAT_POSTGRES_URL: this.postgresUrl,
      CHAT_REDIS_URL: this.redis.url,
      ...(this.redis.cluster ? { CHAT_REDIS_CLUSTER: 'true' } : {}),
      CHAT_NATS_URL: SERVICES.nats,
      CHAT_NAMESPACE: this.namespace,
      CHAT_JWT_SECRET: this.secret,
      CHAT_LOG_LEVEL: 'info',
      ...extra,
    };
  }

  /**
   * Starts `chat-node <role>` on a port the OS picks (port 0; the role logs the one it got, so
   * suites running in parallel never race for a port) and waits until its /healthz answers.
   */
  async start(
    role: 'gateway' | 'fanout' | 'presence' | 'pusher',
    name: string,
    args: string[] = [],
    env: Record<string, string> = {},
  ): Promise<RoleProcess> {
    const portArgs =
      role === 'gateway'
        ? ['--port', '0', '--host', '127.0.0.1', '--admin-port', '0']
        : ['--http-port', '0', '--host', '127.0.0.1'];
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, role, '--node-id', name, ...portArgs, ...args], {
      env: this.env(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    // A gateway node with --workers is up once its primary says every worker listens.
    const portLine = args.includes('--workers')
      ? /"port":(\d+),"adminPort":(\d+),"workers"/
      : /"port":(\d+)(?:,"adminPort":(\d+))?/;
    let port = 0;
    let adminPort = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      output.push(text);
      const logged = portLine.exec(text);
      if (logged && port === 0) {
        port = Number(logged[1]);
        adminPort = Number(logged[2] ?? logged[1]);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const process_: RoleProcess = {
      name,
      child,
      output,
      get port() {
        return port;
      },
      get adminPort() {
        return adminPort;
      },
      kill: async (signal = 'SIGTERM') => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      },
    };
    this.processes.push(process_);
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${output.join('')}`);
        if (port === 0) return false;
        const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return response?.ok === true;
      },
      30_000,
      `${name} to answer /healthz`,
    );
    return process_;
  }

  /** Waits until a gateway says the cluster takes messages end to end. */
  async waitReady(gateway: RoleProcess): Promise<void> {
    await waitFor(
      async () => (await fetch(`${this.adminUrl(gateway)}/readyz`).catch(() => undefined))?.ok === true,
      20_000,
      '/readyz',
    );
  }

  /** Base URL of a role's admin listener (/metrics, /readyz, /trace). */
  adminUrl(role: RoleProcess): string {
    return `http://127.0.0.1:${role.adminPort}`;
  }

  wsUrl(gateway: RoleProcess): string {
    return `ws://127.0.0.1:${gateway.port}/v1/ws`;
  }

  token(user: string, device: string, ttlSeconds = 3600): Promise<string> {
    return signDeviceToken({ secret: this.secret, user, device, ttlSeconds });
  }

  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.postgresUrl });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  }

  /**
   * The devices of `user` that hold a route (a gateway registers one on hello and takes it down a
   * moment after the connection closed, so a client that saw its close may still be routed).
   */
  async devicesRoutedFor(user: string): Promise<string[]> {
    const client = createRedis(this.redis.url, this.redis.cluster, { lazyConnect: true });
    try {
      await client.connect();
      const table = await new RedisRouteRegistry(client, this.namespace).lookup([user]);
      return [...(table.get(user)?.keys() ?? [])];
    } finally {
      client.disconnect();
    }
  }

  /** The last `lines` lines each role printed, for a failed test's report. */
  outputTail(lines = 40): string {
    return this.processes
      .map((p) => `--- ${p.name} ---\n${p.output.join('').trimEnd().split('\n').slice(-lines).join('\n')}`)
      .join('\n');
  }

  /** Stops every process and removes the database, the stream and the Redis keys. */
  async tearDown(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGKILL')));
    // On a cluster a fallback (delivery to every gateway, a skipped cache write) could hide a
    // command the cluster refused: the suite fails on the refusal itself.
    const refused = this.redis.cluster
      ? this.processes.flatMap((p) => p.output.join('').split('\n')).filter((line) => CLUSTER_REFUSAL.test(line))
      : [];
    const nc = await connect({ servers: SERVICES.nats });
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(`${this.namespace.toUpperCase()}_SEND`).catch(() => {});
    await nc.close();
    await deleteKeys(this.redis, `${this.namespace}:*`);
    const admin = new pg.Client({ connectionString: SERVICES.postgresAdmin });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${this.database} WITH (FORCE)`);
    await admin.end();
    if (refused.length > 0) throw new Error(`the Redis Cluster refused commands:\n${refused.slice(0, 5).join('\n')}`);
  }
}

/** What ioredis and a Redis Cluster answer to keys of several slots in one command, script or pipeline. */
const CLUSTER_REFUSAL = /CROSSSLOT|same slot|slots allocation group|non local key|MOVED \d+|ASK \d+/;

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = error;
      if (error instanceof Error && /exited with/.test(error.message)) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`,
  );
}
