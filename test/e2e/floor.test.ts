import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SimReport } from '../../src/sim/runner/sim-report.js';

/**
 * `chat-node sim --floor`: the bare pipeline under a scenario, alone and beside a local
 * chat-node. The floor's load processes wait out their 20 s presence-convergence limit (the floor
 * keeps no presence), so a floor run takes about 30 s however short its phases.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chat-floor-test-'));

/** pairs.yaml, small: 10 pairs of one-device users, each pair in its own direct room. */
const SCENARIO = join(dir, 'tiny-pairs.yaml');
writeFileSync(
  SCENARIO,
  [
    'name: tiny-pairs',
    'seed: 12',
    'users: 20',
    'devicesPerUser: 1',
    'rooms:',
    '  directShare: 1',
    '  roomsPerUser: 1',
    'messages:',
    '  totalRate: 50',
    '  bodyChars: { min: 20, max: 80 }',
    'phases:',
    '  rampUp: 1s',
    '  steady: 3s',
    '  drain: 1s',
    'slo:',
    '  completeness: 1',
    '',
  ].join('\n'),
);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function sim(...args: string[]): Promise<{ code: number | null; output: string; stdout: string }> {
  const child = spawn(process.execPath, [`${ROOT}bin/run.js`, 'sim', SCENARIO, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output, stdout };
}

interface UsageRowJson {
  kind: string;
  name: string;
  role: string;
}

describe('the floor', () => {
  it('runs a scenario on the bare pipeline alone, and reports its CPU per process', async () => {
    const out = join(dir, 'floor.json');
    const { code, output } = await sim('--floor', '--out', out);
    expect(code, output).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as SimReport;
    expect(report.pass).toBe(true);
    expect(report.oracle.completeness).toBe(1);
    expect(report.oracle.acked).toBe(report.plan.sends);
    expect(report.plan.rooms).toEqual({ direct: 10, group: 0 });
    const rows = report.usage.rows as UsageRowJson[];
    expect(
      rows
        .filter((row) => row.kind === 'node')
        .map((row) => [row.name, row.role])
        .sort(),
    ).toEqual([
      ['floor-gateway', 'gateway'],
      ['floor-writer', 'writer'],
    ]);
    expect(rows.some((row) => row.kind === 'load')).toBe(true);
    expect(report.usage.perThousand.server).toBeGreaterThan(0);
    // Nothing to compare a floor with when it runs alone.
    expect(report.floor).toBeUndefined();
    expect(output).not.toContain('chat-node beside the floor');
  }, 90_000);

  it('runs the floor first, then a local chat-node, and compares them', async () => {
    const out = join(dir, 'both.json');
    const { code, output, stdout } = await sim('--local', '--floor', '--out', out);
    expect(code, output).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as SimReport;
    expect(report.pass).toBe(true);
    expect(report.oracle.completeness).toBe(1);
    const floor = report.floor!;
    expect(floor.report).toBe(join(dir, 'both-floor.json'));
    for (const ratio of Object.values(floor.ratios)) {
      expect(Number.isFinite(ratio)).toBe(true);
      expect(ratio).toBeGreaterThan(0);
    }
    const floorReport = JSON.parse(readFileSync(join(dir, 'both-floor.json'), 'utf8')) as SimReport;
    expect(floorReport.pass).toBe(floor.pass);
    expect(floorReport.deliver).toEqual(floor.deliver);
    expect(existsSync(join(dir, 'both-floor.svg'))).toBe(true);
    // chat-node times every hop; the floor has none.
    expect(report.usage.hops.map((hop: { hop: string }) => hop.hop)).toEqual([
      'publish',
      'pull',
      'queue',
      'commit',
      'route',
      'write',
    ]);
    for (const hop of report.usage.hops) expect(hop.count).toBeGreaterThan(0);
    expect(floorReport.usage.hops).toEqual([]);
    expect(stdout.indexOf('-- the floor (bare pipeline) --')).toBeLessThan(stdout.indexOf('-- chat-node --'));
    expect(stdout).toContain('chat-node beside the floor');
  }, 120_000);
});
