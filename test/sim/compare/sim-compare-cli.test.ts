import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type SimReport } from '../../../src/sim/runner/sim-report.js';
import { runCli } from '../../support/cli.js';
import { syntheticOutcome } from '../runner/synthetic-outcome.js';

/** `chat-node sim compare` and `sim merge` as a user runs them (bin/run.js over dist/), on report files written here. */
const dir = mkdtempSync(join(tmpdir(), 'chat-compare-cli-'));
const env = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' };
const file = (name: string) => join(dir, name);
/** oclif wraps an error to the terminal, each line behind " ›": back to one line. */
const unwrapped = (stderr: string) => stderr.replace(/\s*\n\s*›\s*/g, ' ');

beforeAll(() => {
  const write = (name: string, deliverMs: (i: number) => number) =>
    writeFileSync(file(name), JSON.stringify({ ...buildReport(syntheticOutcome({ deliverMs })).report, runId: name }));
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
  });

  it('exits 2 with the reason for a file it cannot compare', async () => {
    const result = await runCli(['sim', 'compare', file('before.json'), file('nothing-here.json')], env);
    expect(result.code).toBe(2);
    expect(unwrapped(result.stderr)).toContain(`${file('nothing-here.json')}: no such file`);
  });
});

describe('sim merge (command)', () => {
  it('writes one report of several, and refuses a report it cannot merge exactly', async () => {
    const result = await runCli(
      ['sim', 'merge', file('before.json'), file('slower.json'), '--out', file('merged.json')],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`merged 2 reports: ${file('before.json')}`);
    const merged = JSON.parse(readFileSync(file('merged.json'), 'utf8')) as SimReport;
    expect(merged.merged!.parts).toHaveLength(2);
    expect(merged.deliver.count).toBe(
      2 * (JSON.parse(readFileSync(file('before.json'), 'utf8')) as SimReport).deliver.count,
    );
    const old = fileURLToPath(new URL('./fixtures/format-1-one-to-one.json', import.meta.url));
    const refused = await runCli(['sim', 'merge', file('before.json'), old], env);
    expect(refused.code).toBe(2);
    expect(unwrapped(refused.stderr)).toMatch(
      /ran one-to-one, .*before\.json synthetic: only reports of one scenario merge/,
    );
  });
});
