import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient } from '../../src/core/client/index.js';
import { findFreePort } from '../../src/devtools/index.js';
import type { ClusterStatus } from '../../src/status/cluster-status.js';
import { runCli, type CliRun } from '../support/cli.js';
import { IsolatedCluster, SERVICES, waitFor } from '../support/isolated-cluster.js';

/**
 * `chat-node status` against a real `chat-node dev` (its four roles in one process, on a database,
 * namespace and streams of this suite's own): every node listed from its lease, each ready, the
 * schema version; and what it says when Redis does not answer or a node hangs.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cluster = new IsolatedCluster();
const dataDir = mkdtempSync(join(tmpdir(), 'chat-status-'));
const tmuxSocket = `chat-status-${cluster.id}`;
let dev: ChildProcess;
let devOutput = '';
let port: number;
let adminPort: number;
let alice: ChatClient | undefined;

/** The environment of a shell that set no CHAT_* variable: status must find the cluster from its members file. */
function bareEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHAT_')));
}

function status(...args: string[]): Promise<CliRun> {
  return runCli(['status', ...args], bareEnv());
}

async function statusJson(...args: string[]): Promise<{ code: number | null; status: ClusterStatus; stderr: string }> {
  const { code, stdout, stderr } = await status('--json', ...args);
  return { code, status: JSON.parse(stdout) as ClusterStatus, stderr };
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', tmuxSocket, '-u', ...args], { encoding: 'utf8' });
}

beforeAll(async () => {
  await cluster.setUp();
  port = await findFreePort();
  adminPort = await findFreePort();
  dev = spawn(
    process.execPath,
    [`${ROOT}bin/run.js`, 'dev', '--port', String(port), '--admin-port', String(adminPort), '--data-dir', dataDir],
    {
      env: cluster.env({ CHAT_LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  dev.stdout!.on('data', (chunk: Buffer) => (devOutput += chunk.toString()));
  dev.stderr!.on('data', (chunk: Buffer) => (devOutput += chunk.toString()));
  await waitFor(
    async () => {
      if (dev.exitCode !== null) throw new Error(`chat-node dev exited with ${dev.exitCode}:\n${devOutput}`);
      return (await fetch(`http://127.0.0.1:${adminPort}/readyz`).catch(() => undefined))?.ok === true;
    },
    60_000,
    'chat-node dev to be ready',
  );
  alice = new ChatClient({ urls: [`ws://127.0.0.1:${port}/v1/ws`], token: () => cluster.token('alice', 'laptop') });
  alice.on('error', () => {});
  await alice.connect();
}, 90_000);

afterAll(async () => {
  await alice?.close();
  try {
    tmux('kill-server');
  } catch {
    // No tmux server was started, or it is gone already.
  }
  if (dev && dev.exitCode === null) {
    dev.kill('SIGCONT');
    dev.kill('SIGKILL');
  }
  // tearDown removes the send stream; a dev cluster also made a push queue.
  const nc = await connect({ servers: SERVICES.nats });
  await (await jetstreamManager(nc)).streams.delete(`${cluster.namespace.toUpperCase()}_PUSH`).catch(() => {});
  await nc.close();
  await cluster.tearDown();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('chat-node status', () => {
  it("lists every role of a dev cluster from its lease, each ready, with the schema version and the gateway's connection", async () => {
    const { code, status: answer, stderr } = await statusJson('--data-dir', dataDir);
    expect(code, `${stderr}\n${JSON.stringify(answer.problems)}`).toBe(0);
    expect(answer.ok).toBe(true);
    expect(answer.namespace).toBe(cluster.namespace);
    for (const service of Object.values(answer.services))
      expect(service).toMatchObject({ ok: true, from: 'members file' });
    const version = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;
    const admin = `http://127.0.0.1:${adminPort}`;
    expect(
      answer.nodes!.map((node) => [
        node.role,
        node.nodeId,
        node.ready,
        node.answered,
        node.adminUrl,
        node.version,
        node.pid,
      ]),
    ).toEqual([
      ['gateway', 'dev', true, true, admin, version, dev.pid],
      ['fanout', 'dev-fanout', true, true, admin, version, dev.pid],
      ['presence', 'dev-presence', true, true, admin, version, dev.pid],
      ['pusher', 'dev-pusher', true, true, admin, version, dev.pid],
    ]);
    const [gateway, fanout] = answer.nodes!;
    expect(gateway).toMatchObject({ clientUrl: `ws://127.0.0.1:${port}/v1/ws`, connections: 1, users: 1 });
    expect(fanout).toMatchObject({ partitions: 16, lag: { waiting: 0, oldestSec: 0 } });
    const shipped = Math.max(...readdirSync(`${ROOT}migrations`).map((file) => Number(file.slice(0, 3))));
    expect(answer.schema).toEqual({ applied: shipped, shipped, pending: [] });
    expect(answer.partitions).toEqual({ total: 16, held: 16, unowned: [] });
    expect(answer.sendStream).toMatchObject({
      stream: `${cluster.namespace.toUpperCase()}_SEND`,
      exists: true,
      waiting: 0,
    });
    expect(answer.pushQueue).toMatchObject({ exists: true, waiting: 0 });
  });

  it('prints the same as a table, and says all is well', async () => {
    const { code, stdout, stderr } = await status('--data-dir', dataDir);
    expect(code, stderr).toBe(0);
    expect(stdout).toContain(`chat-node status: namespace ${cluster.namespace}`);
    expect(stdout).toContain(`services from ${join(dataDir, 'members.json')} (written by chat-node dev`);
    expect(stdout).toMatch(/^postgres\s+ok\s+postgresql:\/\/\S+\s+schema \d+, 16\/16 send partitions held$/m);
    expect(stdout).toMatch(/^gateway\s+dev\s+yes\s+1 connections, 1 users\s/m);
    expect(stdout).toMatch(/^fanout\s+dev-fanout\s+yes\s+16 partitions, lag 0\s/m);
    expect(stdout).toMatch(/^presence\s+dev-presence\s+yes\s/m);
    expect(stdout).toMatch(/^pusher\s+dev-pusher\s+yes\s/m);
    expect(stdout.trimEnd().split('\n').at(-1)).toBe('all good: 4 nodes ready');
  });

  it('says clearly that Redis does not answer, at which URL (password hidden), and that the nodes cannot be listed', async () => {
    const redisPort = await findFreePort();
    const url = `redis://:s3cret-pw@127.0.0.1:${redisPort}`;
    const started = Date.now();
    const { code, status: answer } = await statusJson('--redis-url', url, '--data-dir', dataDir);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(code).toBe(1);
    expect(answer.services.redis).toEqual({
      url: `redis://:***@127.0.0.1:${redisPort}`,
      from: 'given',
      ok: false,
      error: `connect ECONNREFUSED 127.0.0.1:${redisPort}`,
    });
    expect(answer.nodes).toBeNull();
    expect(answer.problems.slice(0, 2)).toEqual([
      `redis does not answer at redis://:***@127.0.0.1:${redisPort}: connect ECONNREFUSED 127.0.0.1:${redisPort}`,
      'the nodes cannot be listed: their leases are in Redis',
    ]);
    // The other services still answer and say what they know.
    expect(answer.services.postgres.ok).toBe(true);
    expect(answer.partitions).toEqual({ total: 16, held: 16, unowned: [] });
    const text = await status('--redis-url', url, '--data-dir', dataDir);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(
      new RegExp(`^redis\\s+DOWN\\s+redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redisPort}\\s+connect ECONNREFUSED`, 'm'),
    );
    expect(text.stdout).toContain('nodes: unknown (their leases are in Redis, which does not answer)');
    expect(`${text.stdout}${text.stderr}`).not.toContain('s3cret-pw');
  });

  it('shows a node that hangs as not answering, within its timeout', async () => {
    dev.kill('SIGSTOP');
    try {
      const started = Date.now();
      const { code, status: answer } = await statusJson('--data-dir', dataDir, '--timeout-ms', '500');
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(code).toBe(1);
      expect(answer.nodes!.map((node) => [node.nodeId, node.answered, node.ready])).toEqual([
        ['dev', false, false],
        ['dev-fanout', false, false],
        ['dev-presence', false, false],
        ['dev-pusher', false, false],
      ]);
      expect(answer.problems).toContain(`dev: http://127.0.0.1:${adminPort} did not answer: no answer within 500 ms`);
    } finally {
      dev.kill('SIGCONT');
    }
  });

  it('--watch --json prints a status line every second until interrupted', async () => {
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, 'status', '--watch', '--json', '--data-dir', dataDir], {
      env: bareEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await waitFor(
      () => stdout.split('\n').filter((line) => line.startsWith('{')).length >= 2,
      20_000,
      'two status lines',
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ClusterStatus);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines.every((line) => line.ok && line.nodes!.length === 4)).toBe(true);
    expect(new Set(lines.map((line) => line.at)).size).toBe(lines.length);
  }, 30_000);

  it('--watch redraws a full-screen view in a terminal and quits on q', async () => {
    tmux(
      'new-session',
      '-d',
      '-s',
      'watch',
      '-x',
      '120',
      '-y',
      '30',
      `${process.execPath} ${ROOT}bin/run.js status --watch --data-dir ${dataDir}; echo "[exited $?]"; sleep 60`,
    );
    const screen = () => tmux('capture-pane', '-p', '-t', 'watch');
    await waitFor(() => screen().includes('all good: 4 nodes ready'), 20_000, 'the first view');
    expect(screen()).toContain('refreshing every 1 s; q or Ctrl-C quits');
    const first = screen().split('\n')[0];
    expect(first).toMatch(/^chat-node status: namespace \S+, \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await waitFor(() => screen().split('\n')[0] !== first, 10_000, 'the view to refresh');
    // Redrawn in place: one view on the screen, not one under another.
    expect(screen().match(/chat-node status:/g)).toHaveLength(1);
    tmux('send-keys', '-t', 'watch', 'q');
    await waitFor(() => screen().includes('[exited 0]'), 10_000, 'status to quit');
  }, 45_000);

  it('lists no node once the cluster has stopped: each took its lease with it', async () => {
    await alice?.close();
    alice = undefined;
    dev.kill('SIGTERM');
    await new Promise((resolve) => dev.once('exit', resolve));
    const { code, status: answer } = await statusJson('--data-dir', dataDir);
    expect(code).toBe(1);
    expect(answer.nodes).toEqual([]);
    expect(answer.problems).toContain(
      `no node of namespace ${cluster.namespace} is running (no live lease in Redis at ${SERVICES.redis}): start one with chat-node dev or chat-node cluster, or pass the cluster's --namespace`,
    );
  }, 30_000);
});
