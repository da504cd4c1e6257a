import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../../src/sim/runner/sim-report.js';
import { runCli } from '../../support/cli.js';
import { syntheticOutcome } from '../runner/synthetic-outcome.js';

/** `chat-node sim compare` as a user runs it (bin/run.js over dist/), on report files written here. */
const dir = mkdtempSync(join(tmpdir(), 'chat-compare-cli-'));
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
const file = (name: string) => join(dir, name);

beforeAll(() => {
  const write = (name: string, deliverMs: (i: number) => number) => writeFileSync(file(name), JSON.stringify(buildReport(syntheticOutcome({ deliverMs })).report));
  write('before.json', (i) => 2 + i);
  write('same.json', (i) => 2 + i);
  write('slower.json', (i) => 4 * (2 + i));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sim compare (command)', () => {
  it('exits 0 when nothing got worse, and prints the figures side by side within 80 columns', async () => {
    const result = await runCli(['sim', 'compare', file('before.json'), file('same.json')], env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^deliver \(HDR\)$/m);
    expect(result.stdout).toMatch(/no regression/);
    expect(Math.max(...result.stdout.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
  });

  it('exits 1 on a regression and marks it', async () => {
    const result = await runCli(['sim', 'compare', file('before.json'), file('slower.json')], env);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^ {4}p99 .*\+300\.0% worse$/m);
    const json = await runCli(['sim', 'compare', file('before.json'), file('slower.json'), '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ thresholdPct: 10, regressions: expect.any(Number) });
  });

  it('exits 2 with the reason for a file it cannot compare', async () => {
    const result = await runCli(['sim', 'compare', file('before.json'), file('nothing-here.json')], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('nothing-here.json: no such file');
  });
});
