import { mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { defaultSearchPath, findBinary, findPostgresBinaries } from '../devtools/binaries.js';
import { startPostgres } from '../devtools/postgres.js';
import { probePostgres, probeRedis } from '../devtools/probe.js';
import { guardOnExit } from '../devtools/exit-guard.js';
import { isAlive, readPidFile, runCommand, tailFile } from '../devtools/processes.js';
import { startRedis } from '../devtools/redis.js';
import { CURRENT_USER, switchedUser, type SystemUser } from '../devtools/system-user.js';
import type { StartContext } from '../devtools/types.js';
import { killProcess, waitForExit } from './process-faults.js';

export { NatsCluster, type NatsClusterOptions, type NatsNodeInfo } from '../devtools/nats-cluster.js';

/**
 * Service faults for tests: a Redis or Postgres of the test's own (in a folder it gives, on a free
 * port that stays the same across restarts, so clients reconnect to the URL they have), stopped
 * the hard way and started again. Never point these at the machine's shared services: other
 * suites use them. NATS node faults are NatsCluster.kill(i) / restart(i) (or ProcessCluster's
 * killNatsNode / restartNatsNode).
 */

function context(dir: string, name: string): StartContext {
  const absolute = resolve(dir);
  return {
    dir: join(absolute, name),
    logFile: join(absolute, `${name}.log`),
    displayDir: join(absolute, name),
    searchPath: defaultSearchPath(),
    onProgress: () => undefined,
  };
}

/** A redis-server of the test's own (no persistence, as `chat-node dev` runs it). */
export class RedisInstance {
  private stopServer?: () => Promise<void>;

  private constructor(
    private readonly ctx: StartContext,
    readonly port: number,
  ) {}

  /** Starts redis-server in `<dir>/redis` (log `<dir>/redis.log`) on a free port. */
  static async start(dir: string): Promise<RedisInstance> {
    const ctx = context(dir, 'redis');
    await mkdir(resolve(dir), { recursive: true });
    const started = await startRedis(ctx);
    const instance = new RedisInstance(ctx, Number(new URL(started.url).port));
    instance.stopServer = started.stop;
    return instance;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** The server's pid, from its pid file; undefined while it is down. */
  pid(): Promise<number | undefined> {
    return readPidFile(join(this.ctx.dir, 'redis-server.pid'));
  }

  /** `redis-cli -p <port> shutdown nosave`: Redis closes every client and exits; its data is gone. */
  async shutdownNoSave(): Promise<void> {
    const pid = await this.pid();
    const cli = findBinary('redis-cli', defaultSearchPath()) ?? 'redis-cli';
    // redis-cli reports the connection closing under it; the exit is what we check.
    await runCommand(cli, ['-p', String(this.port), 'shutdown', 'nosave'], { timeoutMs: 10_000 });
    if (pid !== undefined && !(await waitForExit(pid, 10_000)))
      throw new Error(`redis (pid ${pid}) did not exit after SHUTDOWN NOSAVE`);
    await this.stopServer?.();
    this.stopServer = undefined;
  }

  /** SIGKILL: the crash variant of shutdownNoSave. */
  async kill(): Promise<void> {
    const pid = await this.pid();
    if (pid !== undefined) await killProcess(pid);
    await this.stopServer?.();
    this.stopServer = undefined;
  }

  /** Starts it again, empty, on the same port; resolves once it answers PING. */
  async restart(): Promise<void> {
    if (this.stopServer !== undefined) await this.shutdownNoSave();
    this.stopServer = (await startRedis(this.ctx, this.port)).stop;
  }

  /** FLUSHALL: every key gone, connections kept (the "Redis lost its memory" fault). */
  flushAll(): Promise<void> {
    return flushAll(this.url);
  }

  async stop(): Promise<void> {
    await this.stopServer?.();
    this.stopServer = undefined;
  }
}

/** FLUSHALL on the Redis at `url`. Only on a Redis of the test's own: the machine's is shared. */
export async function flushAll(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.flushall();
  } finally {
    redis.disconnect();
  }
}

/**
 * A Postgres of the test's own (initdb on first use: a few seconds), stopped with
 * `pg_ctl stop -m immediate` (no checkpoint: the next start replays the WAL, as after a power cut)
 * and started again on the same port.
 */
export class PostgresInstance {
  /** Signals a postmaster we restarted if the test process exits without stop(). */
  private releaseGuard?: () => void;

  private constructor(
    private readonly ctx: StartContext,
    private readonly user: SystemUser,
    private readonly pgCtl: string,
    /** postgresql://postgres@127.0.0.1:<port>/<database> */
    readonly url: string,
    /** The first start's stop (it also drops that postmaster's exit guard). */
    private readonly firstStop: { pid: number | undefined; stop: () => Promise<void> },
  ) {}

  /**
   * Starts Postgres in `<dir>/postgres` with `databaseName` created (default chat_node). As root,
   * Postgres runs as the postgres user, who must be able to enter `dir` (mode 0755).
   */
  static async start(dir: string, databaseName = 'chat_node'): Promise<PostgresInstance> {
    const ctx = context(dir, 'postgres');
    await mkdir(resolve(dir), { recursive: true });
    const started = await startPostgres(ctx, databaseName);
    const major = (await readFile(join(ctx.dir, 'PG_VERSION'), 'utf8')).trim();
    const bins = await findPostgresBinaries(ctx.searchPath, major);
    const user = process.getuid?.() === 0 ? await switchedUser('postgres') : CURRENT_USER;
    const firstPid = await readPidFile(join(ctx.dir, 'postmaster.pid'));
    return new PostgresInstance(ctx, user, bins.pgCtl, started.url, { pid: firstPid, stop: started.stop });
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** The postmaster's pid; undefined while it is down. */
  async pid(): Promise<number | undefined> {
    return readPidFile(join(this.ctx.dir, 'postmaster.pid'));
  }

  /** `pg_ctl stop -m immediate`: every backend is killed at once, no checkpoint. */
  stopImmediate(): Promise<void> {
    return this.pgCtlRun(['stop', '-D', this.ctx.dir, '-m', 'immediate', '-w']);
  }

  /** Starts it again (same port: the settings file keeps it); resolves once it takes queries. */
  async start(): Promise<void> {
    await this.pgCtlRun(['start', '-D', this.ctx.dir, '-l', this.ctx.logFile, '-w', '-t', '60']);
    const pid = await this.pid();
    this.releaseGuard?.();
    // SIGINT to the postmaster is a fast shutdown.
    this.releaseGuard = pid === undefined ? undefined : guardOnExit(pid, 'SIGINT');
    const probe = await probePostgres(this.url, 10_000);
    if (!probe.ok) throw new Error(`postgres restarted but does not answer: ${probe.reason}`);
  }

  /** A clean stop (fast mode) at the end of a test; safe when it is already down. */
  async stop(): Promise<void> {
    const pid = await this.pid();
    if (pid !== undefined && pid === this.firstStop.pid) return this.firstStop.stop();
    if (pid !== undefined && (await isAlive(pid)))
      await this.pgCtlRun(['stop', '-D', this.ctx.dir, '-m', 'fast', '-w']);
    this.releaseGuard?.();
    this.releaseGuard = undefined;
  }

  private async pgCtlRun(args: string[]): Promise<void> {
    const result = await this.user.run(this.pgCtl, args, 90_000);
    if (result.code !== 0)
      throw new Error(`pg_ctl ${args[0]} failed: ${result.output}\n${await tailFile(this.ctx.logFile)}`);
  }
}

/** One line of `pg_lsclusters`: a Debian-managed Postgres cluster. */
export interface PgCluster {
  version: string;
  name: string;
  port: number;
  online: boolean;
}

/** The machine's Debian Postgres clusters (`pg_lsclusters`), e.g. [{ version: '15', name: 'main', port: 5432, online: true }]. */
export async function listPgClusters(): Promise<PgCluster[]> {
  const result = await runCommand('pg_lsclusters', ['--no-header'], { timeoutMs: 10_000 });
  if (result.code !== 0) throw new Error(`pg_lsclusters failed: ${result.output}`);
  return result.output
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length >= 4)
    .map(([version, name, port, status]) => ({
      version: version!,
      name: name!,
      port: Number(port),
      online: status === 'online',
    }));
}

/**
 * `pg_ctlcluster <version> <name> stop -m immediate` on a Debian-managed cluster (the machine's
 * Postgres). For a dedicated fault-test machine only: on a shared one it pulls the database from
 * under everyone; tests use PostgresInstance instead.
 */
export async function stopPgClusterImmediate(cluster: Pick<PgCluster, 'version' | 'name'>): Promise<void> {
  await pgCtlCluster(cluster, ['stop', '-m', 'immediate']);
}

/** `pg_ctlcluster <version> <name> start`. */
export async function startPgCluster(cluster: Pick<PgCluster, 'version' | 'name'>): Promise<void> {
  await pgCtlCluster(cluster, ['start']);
}

async function pgCtlCluster(cluster: Pick<PgCluster, 'version' | 'name'>, args: string[]): Promise<void> {
  const result = await runCommand('pg_ctlcluster', [cluster.version, cluster.name, ...args], { timeoutMs: 90_000 });
  if (result.code !== 0)
    throw new Error(`pg_ctlcluster ${cluster.version} ${cluster.name} ${args.join(' ')} failed: ${result.output}`);
}

/** Whether the Redis at `url` answers PING (for a test waiting on a restart). */
export async function redisAnswers(url: string): Promise<boolean> {
  return (await probeRedis(url, 1_000)).ok;
}
