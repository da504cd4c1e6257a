import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimReport } from '../../src/sim/runner/sim-report.js';
import { IsolatedCluster, type RoleProcess } from '../support/isolated-cluster.js';

/** The smoke scenario through `chat-node sim` against a real cluster: its SLOs and the oracle must pass. */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
let fanout: RoleProcess;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

beforeAll(async () => {
  await cluster.setUp();
  fanout = await cluster.start('fanout', 'fanout-1');
  await cluster.start('presence', 'presence-1');
  gateway = await cluster.start('gateway', 'gw-1', ['--send-rate', '1000', '--send-burst', '1000']);
  await cluster.waitReady(gateway);
}, 60_000);

afterAll(() => cluster.tearDown());

describe('e2e - simulator', () => {
  it('the smoke scenario passes its SLOs and the oracle finds nothing', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'chat-sim-test-')), 'smoke.json');
    // Every role's /metrics, for CPU per process and the hops; the gateway's for connections too.
    const metricsUrls = [gateway, fanout].map((role) => `${cluster.adminUrl(role)}/metrics`).join(',');
    const args = [
      'sim',
      `${ROOT}scenarios/smoke.yaml`,
      '--url',
      cluster.wsUrl(gateway),
      '--metrics-url',
      metricsUrls,
      '--out',
      out,
    ];
    // The secret in the environment: argv would show it to every user of the machine.
    const child = spawn(process.execPath, [`${ROOT}bin/run.js`, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CHAT_JWT_SECRET: cluster.secret },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, output).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as SimReport;
    expect(report.pass).toBe(true);
    expect(report.oracle.ok).toBe(true);
    expect(report.oracle.completeness).toBe(1);
    expect(report.oracle.acked).toBe(report.plan.sends);
    expect(report.deliver.count).toBeGreaterThan(0);
    expect(report.nodes.map((n: { node: string }) => n.node)).toEqual(['gw-1']);
    const processes = report.usage.rows
      .filter((row: { kind: string }) => row.kind === 'node')
      .map((row: { name: string; role: string }) => [row.name, row.role]);
    expect(processes.sort()).toEqual([
      ['fanout-1', 'fanout'],
      ['gw-1', 'gateway'],
    ]);
    const hops = report.usage.hops.map((row: { hop: string }) => row.hop);
    expect(hops).toContain('commit');
    expect(hops).toContain('write');
    // What the connect phase cost each role and load process, per 1,000 connects.
    const connectUsage = report.connect.usage!;
    expect(connectUsage.messages).toBe(report.connect.devices);
    const gatewayRow = connectUsage.rows.find((row: { name: string }) => row.name === 'gw-1')!;
    expect(gatewayRow.cpuSec).toBeGreaterThan(0);
    expect(gatewayRow.cpuPer1000).toBeCloseTo((gatewayRow.cpuSec / report.connect.devices) * 1000, 6);
    expect(connectUsage.rows.filter((row: { kind: string }) => row.kind === 'load').length).toBeGreaterThan(0);
    expect(output).toMatch(/CPU while devices connected: [\d.]+ s, \d+ connects/);
    expect(output).toMatch(/per 1,000 connects: cluster processes/);
    // No pusher in this cluster and no --push-log: push is reported as not checked, not failed.
    expect(report.push).toEqual({ checked: false, reason: 'no push log: push not checked' });
    expect(output).toMatch(/push: no push log: push not checked/);
    // Every device shows every online co-member online; nobody is left typing.
    expect(report.presence).toMatchObject({ ok: true, enforced: true, totalViolations: 0 });
    expect(report.presence.pairs).toBeGreaterThan(0);
    expect(report.presence.convergedPairs).toBe(report.presence.pairs);
    expect(report.typing).toMatchObject({ ok: true, totalViolations: 0 });
    expect(report.typing.planned).toBeGreaterThan(0);
    expect(readFileSync(out.replace(/\.json$/, '.svg'), 'utf8')).toMatch(/^<svg/);
    // The page beside the report (test/sim/report-html opens such pages in a browser).
    const page = readFileSync(out.replace(/\.json$/, '.html'), 'utf8');
    expect(page).toMatch(/^<!doctype html>/);
    expect(page).toContain('<span class="badge pass">PASS</span>');
    expect(output).toContain(`html:   ${out.replace(/\.json$/, '.html')}`);
    expect(output).toMatch(/all SLOs met/);
  }, 90_000);
});
