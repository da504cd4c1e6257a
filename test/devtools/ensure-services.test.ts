import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureServices,
  findFreePort,
  probeNats,
  probePostgres,
  probeRedis,
  ServiceUnavailableError,
  type LocalCluster,
  type ServiceUrls,
} from '../../src/devtools/index.js';
import { isAlive } from '../../src/devtools/processes.js';
import { closedDefaults, portOf, tempDataDir } from './helpers.js';

async function allAnswer(urls: ServiceUrls): Promise<boolean[]> {
  const results = await Promise.all([
    probePostgres(urls.postgresUrl, 2_000),
    probeRedis(urls.redisUrl, 2_000),
    probeNats(urls.natsUrl, 2_000),
  ]);
  return results.map((r) => r.ok);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('services - ensureServices against real binaries', () => {
  let root: string;
  let dataDir: string;
  let first: LocalCluster;
  const firstProgress: string[] = [];
  const clustersToStop: LocalCluster[] = [];

  beforeAll(async () => {
    root = await tempDataDir();
    dataDir = join(root, '.chat-node');
    first = await ensureServices({
      dataDir,
      defaults: await closedDefaults(),
      onProgress: (l) => firstProgress.push(l),
    });
    clustersToStop.push(first);
  });

  afterAll(async () => {
    for (const cluster of clustersToStop) await cluster.stop().catch(() => undefined);
    await rm(root, { recursive: true, force: true });
  });

  it('with nothing answering, it starts postgres, redis and nats (JetStream) on free ports', async () => {
    expect(first.services.map((s) => [s.name, s.origin])).toEqual([
      ['postgres', 'started'],
      ['redis', 'started'],
      ['nats', 'started'],
    ]);
    expect(await allAnswer(first.urls)).toEqual([true, true, true]);
    expect([5432, 6379, 4222]).not.toContain(portOf(first.urls.postgresUrl));
    expect(new URL(first.urls.postgresUrl).pathname).toBe('/chat_node');
    expect(first.services[0]?.detail).toMatch(/^started postgres \d+ in .*\.chat-node\/postgres on port \d+$/);
    expect(firstProgress.some((l) => l.startsWith('initializing postgres'))).toBe(true);

    // Postgres listens on 127.0.0.1 only, with its socket beside the data rather than in /var/run.
    const [settings] = await query<{ listen: string; sockets: string }>(
      first.urls.postgresUrl,
      `SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets`,
    );
    expect(settings).toEqual({ listen: '127.0.0.1', sockets: join(dataDir, 'postgres') });
    await query(first.urls.postgresUrl, 'CREATE TABLE kept_between_runs (id int)');

    for (const name of ['postgres', 'redis', 'nats'])
      expect(existsSync(join(dataDir, 'logs', `${name}.log`))).toBe(true);
  });

  it('given URLs are checked and used as they are, and stop() leaves them running', async () => {
    const cluster = await ensureServices({ dataDir: join(root, 'unused'), ...first.urls });
    expect(cluster.urls).toEqual(first.urls);
    expect(cluster.services.map((s) => s.origin)).toEqual(['given', 'given', 'given']);
    await cluster.stop();
    expect(await allAnswer(first.urls)).toEqual([true, true, true]);
    expect(existsSync(join(root, 'unused'))).toBe(false);
  });

  it('an answering local default is used, with our database created in it', async () => {
    const serverUrl = new URL(first.urls.postgresUrl);
    serverUrl.pathname = '/postgres';
    const cluster = await ensureServices({
      dataDir: join(root, 'unused'),
      databaseName: 'chat_node_other',
      defaults: { postgresUrl: serverUrl.toString(), redisUrl: first.urls.redisUrl, natsUrl: first.urls.natsUrl },
    });
    expect(cluster.services.map((s) => s.origin)).toEqual(['local-default', 'local-default', 'local-default']);
    expect(new URL(cluster.urls.postgresUrl).pathname).toBe('/chat_node_other');
    expect(await query(cluster.urls.postgresUrl, 'SELECT 1 AS one')).toEqual([{ one: 1 }]);
    await cluster.stop();
  });

  it('a given URL that does not answer is refused with an error naming it', async () => {
    const closedPort = await findFreePort();
    const started = Date.now();
    const error = await ensureServices({
      dataDir: join(root, 'unused'),
      ...first.urls,
      redisUrl: `redis://127.0.0.1:${closedPort}`,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect((error as Error).message).toContain(`redis URL redis://127.0.0.1:${closedPort}`);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(6_000);
  });

  it('a given NATS without JetStream is refused with a hint to run it with -js', async () => {
    const port = await findFreePort();
    const plainNats: ChildProcess = spawn('nats-server', ['-a', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    try {
      await waitFor(async () => {
        const nc = await connect({ servers: `nats://127.0.0.1:${port}`, reconnect: false }).catch(() => undefined);
        await nc?.close();
        return nc !== undefined;
      });
      const error = await ensureServices({
        dataDir: join(root, 'unused'),
        ...first.urls,
        natsUrl: `nats://127.0.0.1:${port}`,
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect((error as Error).message).toMatch(/JetStream is not enabled.*-js/);
    } finally {
      plainNats.kill('SIGTERM');
    }
  });

  it('stop() stops what it started, closes the ports, and may be called twice', async () => {
    const pids = await Promise.all(
      ['redis/redis-server.pid', 'nats/nats-server.pid', 'postgres/postmaster.pid'].map(async (file) =>
        Number.parseInt(await readFile(join(dataDir, file), 'utf8'), 10),
      ),
    );
    await first.stop();
    await first.stop();
    expect(await allAnswer(first.urls)).toEqual([false, false, false]);
    // An exited postmaster is reparented to PID 1, which may reap it late: a zombie counts as stopped.
    for (const pid of pids) expect(await isAlive(pid)).toBe(false);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    expect(existsSync(join(dataDir, 'redis', 'redis-server.pid'))).toBe(false);
  });

  it('a second run on the same data folder reuses the initialized postgres data', async () => {
    const progress: string[] = [];
    const second = await ensureServices({
      dataDir,
      defaults: await closedDefaults(),
      onProgress: (l) => progress.push(l),
    });
    clustersToStop.push(second);
    expect(progress.some((l) => l.startsWith('initializing postgres'))).toBe(false);
    expect(await query(second.urls.postgresUrl, 'SELECT count(*)::int AS n FROM kept_between_runs')).toEqual([
      { n: 0 },
    ]);
  });

  it('servers left running by a crashed run are stopped before starting afresh', async () => {
    // The previous test's cluster is never stopped, as if its process had been killed.
    const crashed = clustersToStop.at(-1);
    if (crashed === undefined) throw new Error('the previous test must leave a cluster running');
    clustersToStop.pop();
    const progress: string[] = [];
    const third = await ensureServices({
      dataDir,
      defaults: await closedDefaults(),
      onProgress: (l) => progress.push(l),
    });
    clustersToStop.push(third);

    expect(progress.filter((l) => l.includes('left running')).length).toBe(3);
    expect(await allAnswer(crashed.urls)).toEqual([false, false, false]);
    expect(await allAnswer(third.urls)).toEqual([true, true, true]);
    await third.stop();
    expect(await allAnswer(third.urls)).toEqual([false, false, false]);
  });
});

describe('services - data folder in use', () => {
  it('a data folder held by another live chat-node is refused, not taken over', async () => {
    const root = await tempDataDir();
    // Stands in for another `chat-node dev` that is still running on this folder.
    const other = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      await writeFile(join(root, 'chat-node.pid'), `${other.pid}\n`);
      const error = await ensureServices({ dataDir: root, defaults: await closedDefaults() }).catch((e: unknown) => e);
      expect((error as Error).message).toContain(
        `${root} is in use by another chat-node (pid ${other.pid}); stop it first`,
      );
      expect(existsSync(join(root, 'postgres'))).toBe(false);
    } finally {
      other.kill('SIGTERM');
      await rm(root, { recursive: true, force: true });
    }
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}
