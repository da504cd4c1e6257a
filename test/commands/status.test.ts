import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import Status from '../../src/commands/status.js';
import { encodeJson } from '../../src/core/bus/envelopes.js';
import { ensureSendStream } from '../../src/core/bus/nats.js';
import { Subjects } from '../../src/core/bus/subjects.js';
import { NodeRegistry, type NodeRecord } from '../../src/core/registry/node-registry.js';
import { loadMigrations } from '../../src/core/storage/migrations.js';
import { writeMembersFile } from '../../src/nodes/cluster/members-file.js';
import type { ClusterStatus } from '../../src/status/cluster-status.js';
import { SERVICES } from '../support/isolated-cluster.js';
import { useMigratedDatabase } from '../support/postgres-database.js';
import { useRedisNamespace } from '../support/redis-namespace.js';
import { runCommand } from '../support/run-command.js';
import { withoutChatEnv } from '../support/chat-env.js';

/**
 * `status` in this process against the machine's services, in a database, Redis namespace and
 * NATS stream of this suite's own: the nodes are leases written here, their admin listeners HTTP
 * servers that answer /readyz and /metrics as a node would (test/e2e/status.test.ts runs it
 * against a real `chat-node dev`).
 */
const database = useMigratedDatabase('chat_status_');
const { namespace, redis } = useRedisNamespace('st');
const subjects = new Subjects(namespace, 16);
const servers: Server[] = [];
let nc: NatsConnection;
let readyUrl: string;
let notReadyUrl: string;
let shipped: number;

/** An admin listener: /readyz answers `ready`, /metrics the figures of every node it serves. */
async function adminListener(ready: boolean, metrics: string): Promise<string> {
  const server = createServer((request, response) => {
    if (request.url === '/readyz')
      response
        .writeHead(ready ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ready, failing: ready ? [] : ['nats'] }));
    else if (request.url === '/metrics') response.writeHead(200, { 'content-type': 'text/plain' }).end(metrics);
    else response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function lease(role: NodeRecord['role'], nodeId: string, adminUrl: string): Promise<void> {
  const record: NodeRecord = {
    role,
    nodeId,
    host: hostname(),
    pid: 4242,
    adminUrl,
    ...(role === 'gateway' ? { clientUrl: 'ws://127.0.0.1:8080/v1/ws' } : {}),
    version: '9.9.9',
    startedAt: Date.now() - 90_000,
  };
  return new NodeRegistry(redis(), namespace).put(record, 60_000);
}

beforeAll(async () => {
  shipped = Math.max(...(await loadMigrations()).map((migration) => migration.version));
  readyUrl = await adminListener(
    true,
    [
      'chat_gateway_connections{node="gw-1"} 3',
      'chat_gateway_users{node="gw-1"} 2',
      'chat_fanout_partitions_owned{node="fanout-1"} 16',
      'chat_presence_online_users{node="presence-1"} 2',
      'chat_pusher_queue_depth{node="pusher-1",platform="apns"} 0',
      '',
    ].join('\n'),
  );
  notReadyUrl = await adminListener(false, '');
  await lease('gateway', 'gw-1', readyUrl);
  await lease('fanout', 'fanout-1', readyUrl);
  await lease('presence', 'presence-1', readyUrl);
  await lease('pusher', 'pusher-1', readyUrl);
  await database.pool().query(
    `INSERT INTO fanout_partitions (partition, owner, epoch, lease_until)
       SELECT p, 'fanout-1#a1', 1, now() + interval '10 minutes' FROM generate_series(0, 15) AS p`,
  );
  nc = await connect({ servers: SERVICES.nats });
  await ensureSendStream(nc, subjects, 1);
});

afterAll(async () => {
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  if (nc) {
    await (await jetstreamManager(nc)).streams.delete(subjects.sendStream).catch(() => {});
    await nc.close();
  }
});

describe('status', () => {
  const dir = mkdtempSync(join(tmpdir(), 'status-'));
  const emptyDataDir = join(dir, 'no-cluster');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  withoutChatEnv();

  const services = [
    ...['--postgres-url', database.url, '--redis-url', SERVICES.redis, '--nats-url', SERVICES.nats],
    ...['--data-dir', emptyDataDir],
  ];
  const status = (argv: string[]) => runCommand(Status, [...services, ...argv]);
  const statusJson = async (argv: string[]) => {
    const run = await status([...argv, '--json']);
    return { ...run, status: JSON.parse(run.stdout) as ClusterStatus };
  };

  it('lists the nodes from their leases, each with its readiness and figures from its admin listener; exit 0', async () => {
    const { code, status: answer } = await statusJson(['--namespace', namespace]);
    expect(code, JSON.stringify(answer.problems)).toBe(0);
    expect(answer).toMatchObject({ ok: true, problems: [], namespace });
    expect(answer.services.postgres).toEqual({ url: database.url, from: 'given', ok: true });
    expect(answer.services.redis).toMatchObject({ from: 'given', ok: true });
    expect(answer.nodes!.map((node) => [node.role, node.nodeId, node.answered, node.ready, node.adminUrl])).toEqual([
      ['gateway', 'gw-1', true, true, readyUrl],
      ['fanout', 'fanout-1', true, true, readyUrl],
      ['presence', 'presence-1', true, true, readyUrl],
      ['pusher', 'pusher-1', true, true, readyUrl],
    ]);
    const [gateway, fanout, presence, pusher] = answer.nodes!;
    expect(gateway).toMatchObject({ connections: 3, users: 2, version: '9.9.9', pid: 4242 });
    expect(gateway!.uptimeSec).toBeGreaterThanOrEqual(90);
    expect(fanout).toMatchObject({ partitions: 16, lag: { waiting: 0, oldestSec: 0 } });
    expect(presence).toMatchObject({ onlineUsers: 2 });
    expect(pusher).toMatchObject({ pushQueue: { apns: 0 } });
    expect(answer.schema).toEqual({ applied: shipped, shipped, pending: [] });
    expect(answer.partitions).toEqual({ total: 16, held: 16, unowned: [] });
    expect(answer.sendStream).toEqual({ stream: subjects.sendStream, exists: true, waiting: 0, backlog: [] });
    expect(answer.pushQueue).toMatchObject({ exists: false });
  });

  it('prints the same as tables for people, ending in a verdict', async () => {
    const { code, stdout, stderr } = await status(['--namespace', namespace]);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      new RegExp(`^chat-node status: namespace ${namespace}, \\d{4}-\\d\\d-\\d\\d [\\d:]+ UTC$`),
    );
    // Every URL was given: no line says where they came from.
    expect(lines[1]).toBe('');
    expect(stdout).toMatch(
      new RegExp(`^postgres\\s+ok\\s+\\S+\\s+schema ${shipped}, 16/16 send partitions held$`, 'm'),
    );
    expect(stdout).toMatch(/^redis\s+ok\s+\S+\s+4 node leases$/m);
    expect(stdout).toMatch(/^nats\s+ok\s+\S+\s+send stream 0, push queue not created$/m);
    expect(stdout).toMatch(/^gateway\s+gw-1\s+yes\s+3 connections, 2 users\s/m);
    expect(stdout).toMatch(/^fanout\s+fanout-1\s+yes\s+16 partitions, lag 0\s/m);
    expect(lines.at(-1)).toBe('all good: 4 nodes ready');
  });

  it('exits 1 and lists each problem: a node not ready, a role with no node, partitions without a fan-out and the sends waiting on them', async () => {
    await lease('gateway', 'gw-2', notReadyUrl);
    await redis().del(`${namespace}:registry:{nodes}:pusher-1`);
    await database.pool().query('UPDATE fanout_partitions SET lease_until = now() WHERE partition IN (3, 7)');
    const room = Array.from({ length: 200 }, (_, i) => `room-${i}`).find((id) => subjects.partitionOf(id) === 3)!;
    const js = jetstream(nc);
    await js.publish(subjects.send(3), encodeJson({ room }));
    await js.publish(subjects.send(3), encodeJson({ room }));
    try {
      const { code, status: answer } = await statusJson(['--namespace', namespace]);
      expect(code).toBe(1);
      expect(answer.ok).toBe(false);
      expect(answer.problems).toEqual([
        'no pusher node is running: push jobs stay queued',
        'gw-2: not ready (nats)',
        'send partitions 3, 7 have no fan-out (14/16 held): 2 sends wait on them',
      ]);
      expect(answer.sendStream!.backlog).toEqual([
        { partition: 3, waiting: 2, oldestSec: expect.any(Number), owner: null },
      ]);
      const text = await status(['--namespace', namespace]);
      expect(text.code).toBe(1);
      expect(text.stdout).toMatch(/^gateway\s+gw-2\s+NO\s+\? connections, \? users\s/m);
      expect(text.stdout).toMatch(/^sends waiting for their commit: p3 2 \(oldest [\d.]+ s, no fan-out\)$/m);
      expect(text.stdout.trimEnd().split('\n').slice(-4)).toEqual([
        'problems:',
        '  - no pusher node is running: push jobs stay queued',
        '  - gw-2: not ready (nats)',
        '  - send partitions 3, 7 have no fan-out (14/16 held): 2 sends wait on them',
      ]);
    } finally {
      await (await jetstreamManager(nc)).streams.purge(subjects.sendStream);
      await database.pool().query(`UPDATE fanout_partitions SET lease_until = now() + interval '10 minutes'`);
      await new NodeRegistry(redis(), namespace).remove('gw-2');
      await lease('pusher', 'pusher-1', readyUrl);
    }
  });

  it('says when the schema is behind what this chat-node ships, and names the pending migrations', async () => {
    const pool = database.pool();
    const [newest] = (
      await pool.query<{ version: number; name: string }>(
        'DELETE FROM schema_migrations WHERE version = $1 RETURNING version, name',
        [shipped],
      )
    ).rows;
    try {
      const { code, status: answer } = await statusJson(['--namespace', namespace]);
      expect(code).toBe(1);
      expect(answer.schema).toEqual({ applied: shipped - 1, shipped, pending: [newest!.name] });
      expect(answer.problems).toEqual([
        `the database schema is at version ${shipped - 1}, this chat-node ships ${shipped}: run chat-node migrate (pending: ${newest!.name})`,
      ]);
    } finally {
      await pool.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
        newest!.version,
        newest!.name,
      ]);
    }
  });

  it('in a namespace where no node runs, says so and no more, exit 1', async () => {
    const { code, status: answer } = await statusJson(['--namespace', `${namespace}none`]);
    expect(code).toBe(1);
    expect(answer.nodes).toEqual([]);
    expect(answer.problems).toEqual([
      `no node of namespace ${namespace}none is running (no live lease in Redis at ${SERVICES.redis}): start one with chat-node dev or chat-node cluster, or pass the cluster's --namespace`,
    ]);
    const text = await status(['--namespace', `${namespace}none`]);
    expect(text.stdout).toContain('nodes: none running');
  });

  it('names each service that does not answer, with its URL, password hidden; exit 1', async () => {
    const started = Date.now();
    const down = [
      ...[
        '--postgres-url',
        'postgresql://chat:pg-secret@127.0.0.1:1/chat',
        '--redis-url',
        'redis://:redis-secret@127.0.0.1:1',
      ],
      ...['--nats-url', 'nats://127.0.0.1:1', '--data-dir', emptyDataDir, '--namespace', namespace, '--json'],
    ];
    const { code, stdout } = await runCommand(Status, down);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(code).toBe(1);
    const answer = JSON.parse(stdout) as ClusterStatus;
    expect(answer.services).toEqual({
      postgres: {
        url: 'postgresql://chat:***@127.0.0.1:1/chat',
        from: 'given',
        ok: false,
        error: expect.stringContaining('ECONNREFUSED'),
      },
      redis: {
        url: 'redis://:***@127.0.0.1:1',
        from: 'given',
        ok: false,
        error: expect.stringContaining('ECONNREFUSED'),
      },
      nats: { url: 'nats://127.0.0.1:1', from: 'given', ok: false, error: expect.any(String) },
    });
    expect(answer.problems.slice(0, 4)).toEqual([
      expect.stringMatching(/^postgres does not answer at postgresql:\/\/chat:\*\*\*@127\.0\.0\.1:1\/chat: /),
      expect.stringMatching(/^redis does not answer at redis:\/\/:\*\*\*@127\.0\.0\.1:1: /),
      expect.stringMatching(/^nats does not answer at nats:\/\/127\.0\.0\.1:1: /),
      'the nodes cannot be listed: their leases are in Redis',
    ]);
    expect(answer).toMatchObject({ nodes: null, schema: null, partitions: null, sendStream: null });
    expect(stdout).not.toMatch(/pg-secret|redis-secret/);
  });

  it('takes the services and the namespace from the members file of a local cluster; flags and CHAT_* win over it', async () => {
    const dataDir = join(dir, 'dev');
    mkdirSync(dataDir);
    writeMembersFile(dataDir, 'dev', [], {
      namespace,
      services: { postgresUrl: database.url, redisUrl: SERVICES.redis, natsUrl: SERVICES.nats },
    });
    const fromFile = await runCommand(Status, ['--data-dir', dataDir]);
    expect(fromFile.code, fromFile.stdout).toBe(0);
    expect(fromFile.stdout.split('\n')[0]).toContain(`namespace ${namespace},`);
    expect(fromFile.stdout.split('\n')[1]).toMatch(
      new RegExp(
        `^services from ${join(dataDir, 'members.json')} \\(written by chat-node dev at [^)]+\\); --postgres-url, --redis-url, --nats-url \\(or CHAT_\\*_URL\\) say otherwise$`,
      ),
    );
    vi.stubEnv('CHAT_NATS_URL', 'nats://127.0.0.1:1');
    const { code, stdout } = await runCommand(Status, [
      '--data-dir',
      dataDir,
      '--redis-url',
      'redis://127.0.0.1:1',
      '--json',
    ]);
    expect(code).toBe(1);
    const answer = JSON.parse(stdout) as ClusterStatus;
    expect(answer.namespace).toBe(namespace);
    expect(Object.fromEntries(Object.entries(answer.services).map(([name, s]) => [name, [s.from, s.ok]]))).toEqual({
      postgres: ['members file', true],
      redis: ['given', false],
      nats: ['given', false],
    });
  });

  it('refuses a --timeout-ms below 1 with exit 2', async () => {
    const run = await status(['--timeout-ms', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/timeout-ms/);
    expect(run.stdout).toBe('');
  });
});
