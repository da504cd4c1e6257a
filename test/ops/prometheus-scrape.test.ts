import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../../src/devtools/free-port.js';
import { writeMembersFile } from '../../src/nodes/cluster/members-file.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * What an operator does with ops/prometheus: a local cluster's members file turned into targets
 * (local-targets.mjs), the shipped prometheus.yml and alerts.yml loaded by a real Prometheus
 * (Debian's prometheus package, as promtool), which then scrapes the roles and evaluates every rule.
 */
const OPS = fileURLToPath(new URL('../../ops/prometheus/', import.meta.url));
const cluster = new IsolatedCluster();
const dir = mkdtempSync(join(tmpdir(), 'chat-prometheus-'));
let roles: RoleProcess[];
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;
let targetsOutput: string;

async function query(expr: string): Promise<Array<{ metric: Record<string, string>; value: [number, string] }>> {
  const response = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return (
    (await response.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }
  ).data.result;
}

beforeAll(async () => {
  if (spawnSync('prometheus', ['--version']).error)
    throw new Error(
      "prometheus not found: install Debian's prometheus package (apt-get install -y prometheus), as .ci/run does",
    );
  await cluster.setUp();
  roles = [await cluster.start('fanout', 'fanout-1'), await cluster.start('gateway', 'gateway-1')];
  await cluster.waitReady(roles[1]!);
  const dataDir = join(dir, 'data');
  mkdirSync(join(dir, 'targets'), { recursive: true });
  mkdirSync(dataDir);
  writeMembersFile(dataDir, 'cluster', [
    { role: 'fanout', nodeId: 'fanout-1', http: cluster.adminUrl(roles[0]!) },
    { role: 'gateway', nodeId: 'gateway-1', http: cluster.adminUrl(roles[1]!) },
  ]);
  const written = spawnSync(
    process.execPath,
    [join(OPS, 'local-targets.mjs'), dataDir, join(dir, 'targets', 'local.json')],
    { encoding: 'utf8' },
  );
  expect(written.status, written.stderr).toBe(0);
  targetsOutput = written.stdout;
  // The shipped files, scraping and evaluating every second rather than every 15 s.
  writeFileSync(
    join(dir, 'prometheus.yml'),
    readFileSync(join(OPS, 'prometheus.yml'), 'utf8')
      .replace(/(scrape|evaluation)_interval: 15s/g, '$1_interval: 1s')
      .replace('refresh_interval: 30s', 'refresh_interval: 1s'),
  );
  copyFileSync(join(OPS, 'alerts.yml'), join(dir, 'alerts.yml'));
  const port = await findFreePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok === true,
    20_000,
    'prometheus to be ready',
  );
}, 90_000);

afterAll(async () => {
  prometheus?.kill('SIGKILL');
  await cluster.tearDown();
  rmSync(dir, { recursive: true, force: true });
});

describe('Prometheus on a local cluster (ops/prometheus)', () => {
  it('scrapes every process the members file lists, each up series named by role and node', async () => {
    expect(targetsOutput).toContain('gateway-1');
    await waitFor(async () => (await query('up{job="chat-node"} == 1')).length === 2, 20_000, 'both targets up');
    const up = (await query('up{job="chat-node"}'))
      .map((series) => `${series.metric.role} ${series.metric.node}`)
      .sort();
    expect(up).toEqual(['fanout fanout-1', 'gateway gateway-1']);
  });

  it("keeps each series' own role and node, and sees both ready", async () => {
    await waitFor(async () => (await query('chat_ready == 1')).length === 2, 20_000, 'chat_ready of both');
    const ready = (await query('chat_ready')).map((series) => `${series.metric.role} ${series.metric.node}`).sort();
    expect(ready).toEqual(['fanout fanout-1', 'gateway gateway-1']);
    expect(await query('chat_fanout_send_stream_messages')).toHaveLength(1);
  });

  it('evaluates every alert rule on the real series without an error, and finds the nodes up and ready', async () => {
    type Rule = { name: string; health: string; lastError?: string; state: string };
    const rules = async () =>
      (
        (await (await fetch(`${prometheusUrl}/api/v1/rules`)).json()) as { data: { groups: Array<{ rules: Rule[] }> } }
      ).data.groups.flatMap((group) => group.rules);
    await waitFor(
      async () => (await rules()).every((rule) => rule.health !== 'unknown'),
      20_000,
      'every rule evaluated',
    );
    const all = await rules();
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((rule) => rule.health !== 'ok').map((rule) => `${rule.name}: ${rule.lastError}`)).toEqual([]);
    // Only these: on a shared machine the event loop or a commit may well lag for a second.
    expect(
      all
        .filter((rule) => ['ChatNodeDown', 'ChatNodeNotReady'].includes(rule.name) && rule.state !== 'inactive')
        .map((rule) => rule.name),
    ).toEqual([]);
  });
});
