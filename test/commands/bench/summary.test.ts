import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import BenchSummary from '../../../src/commands/bench/summary.js';
import { SUMMARY_END, SUMMARY_START } from '../../../src/sim/bench/bench-summary.js';
import { runCommand } from '../../support/run-command.js';

const percentiles = (p50: number, p99: number) => ({ count: 100, p50, p90: p50, p99, max: p99 });

describe('bench summary', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A results folder as scripts/bench.sh leaves it: runs.jsonl and each run's JSON. */
  const results = (name: string) => {
    const folder = join(dir, name);
    mkdirSync(folder);
    const latency = join(folder, 'bench-latency.json');
    writeFileSync(latency, JSON.stringify({ ack: percentiles(1.5, 4), deliver: percentiles(2.25, 8), missing: 0 }));
    const runs = [
      { name: 'bench-latency', command: 'bench latency --local', file: latency, exitCode: 0 },
      { name: 'bench-presence', command: 'bench presence --local', file: join(folder, 'nope.json'), exitCode: 1 },
    ];
    writeFileSync(join(folder, 'runs.jsonl'), `${runs.map((run) => JSON.stringify(run)).join('\n')}\n`);
    return folder;
  };

  it('replaces the generated section of the document with a row per run, and leaves the rest as it was', async () => {
    const doc = join(dir, 'benchmarks.md');
    writeFileSync(
      doc,
      `# Benchmarks\n\nIntro.\n\n${SUMMARY_START}\nold table\n${SUMMARY_END}\n\n## History\n\nKept.\n`,
    );
    const run = await runCommand(BenchSummary, ['--results', results('replace'), '--doc', doc]);
    expect(run).toEqual({ code: 0, stdout: `${doc}: summary of 2 benchmarks written\n`, stderr: '' });
    const text = readFileSync(doc, 'utf8');
    expect(text).not.toContain('old table');
    expect(text.startsWith(`# Benchmarks\n\nIntro.\n\n${SUMMARY_START}\n## Latest \`npm run bench\` (`)).toBe(true);
    expect(text.endsWith(`${SUMMARY_END}\n\n## History\n\nKept.\n`)).toBe(true);
    expect(text).toMatch(/^Machine: \d+ cores \(.+\), \d+ GiB, .+, Node \d+\.\d+\.\d+; /m);
    expect(text).toContain(
      '| bench-latency | `bench latency --local` | ack p50 1.50 ms / p99 4.00 ms; deliver p50 2.25 ms / p99 8.00 ms; 0 missing | pass |',
    );
    expect(text).toContain(
      `| bench-presence | \`bench presence --local\` | no result written (${join(dir, 'replace', 'nope.json')}) | fail (exit 1) |`,
    );
  });

  it('starts a document that does not exist', async () => {
    const doc = join(dir, 'new.md');
    const run = await runCommand(BenchSummary, ['--results', results('new'), '--doc', doc]);
    expect(run.code, run.stderr).toBe(0);
    const text = readFileSync(doc, 'utf8');
    expect(text.startsWith(`# Benchmarks\n\n${SUMMARY_START}\n`)).toBe(true);
    expect(text.trimEnd().endsWith(SUMMARY_END)).toBe(true);
  });

  it('without the runs of `npm run bench` exits 2, saying so, and writes nothing', async () => {
    const doc = join(dir, 'untouched.md');
    const run = await runCommand(BenchSummary, ['--results', join(dir, 'empty'), '--doc', doc]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(dir, 'empty')}/runs.jsonl not found: run \`npm run bench\` first`);
    expect(existsSync(doc)).toBe(false);
  });
});
