import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { formatComparison } from '../../../src/sim/compare/comparison-table.js';
import { compareReports, isRegression } from '../../../src/sim/compare/report-comparison.js';
import {
  readReportFile,
  ReportFileError,
  type RunFile,
  type StoredReport,
} from '../../../src/sim/compare/report-file.js';
import { LatencyDistribution } from '../../../src/sim/hdr/index.js';
import { buildReport, type SimReport } from '../../../src/sim/runner/sim-report.js';
import { syntheticOutcome } from '../runner/synthetic-outcome.js';

const FORMAT_1 = fileURLToPath(new URL('./fixtures/format-1-one-to-one.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'chat-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A report of the synthetic run whose i-th delivery took deliverMs(i). */
function report(deliverMs: (i: number) => number = (i) => 2 + i): SimReport {
  return buildReport(syntheticOutcome({ deliverMs })).report;
}

const run = (path: string, stored: StoredReport): RunFile => ({
  kind: 'run',
  path,
  report: stored,
  format: stored.formatVersion ?? 1,
});
const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');
const rowOf = (rows: ReturnType<typeof compareReports>['rows'], section: string, name: string) =>
  rows.find((row) => row.section === section && row.name === name);

/** The report as one from before format 2 would have it: no formatVersion, meta, timeline or histograms. */
function formatOne(stored: SimReport): StoredReport {
  const { formatVersion: _v, meta: _m, timeline: _t, histograms: _h, ...rest } = stored;
  return rest;
}

describe('comparing reports', () => {
  it('finds no regression between a run and itself', () => {
    const a = report();
    const comparison = compareReports(run('a.json', a), run('b.json', structuredClone(a)));
    expect(comparison.regressions).toBe(0);
    expect(comparison.rows.length).toBeGreaterThan(30);
    expect(comparison.rows.every((row) => row.change === null || row.change === 0)).toBe(true);
    expect(plain(formatComparison(comparison))).toMatch(/no regression \(threshold 10%/);
  });

  it('flags the latencies that rose beyond the threshold, and only those', () => {
    const a = report((i) => 2 + i);
    // Three times slower at the top, the same at the bottom.
    const b = report((i) => (i < 3 ? 2 + i : 3 * (2 + i)));
    const comparison = compareReports(run('a.json', a), run('b.json', b));
    expect(rowOf(comparison.rows, 'deliver (HDR)', 'p99')).toMatchObject({ regression: true });
    expect(rowOf(comparison.rows, 'deliver (HDR)', 'max')).toMatchObject({ regression: true });
    expect(rowOf(comparison.rows, 'ack (HDR)', 'p99')).toMatchObject({ regression: false, change: 0 });
    expect(comparison.rows.filter((row) => row.regression).every((row) => row.section === 'deliver (HDR)')).toBe(true);
    const p99 = rowOf(comparison.rows, 'deliver (HDR)', 'p99')!;
    expect(p99.changePct).toBeCloseTo(((p99.b! - p99.a!) / p99.a!) * 100, 10);
    // Within a threshold of 300%, the same change is noise.
    expect(compareReports(run('a.json', a), run('b.json', b), 300).regressions).toBe(0);
    const text = plain(formatComparison(comparison));
    expect(text).toMatch(/^ {4}p99 .* worse$/m);
    expect(text).toMatch(/regressions?: deliver \(/);
    expect(Math.max(...text.split('\n').map((line) => line.length))).toBeLessThanOrEqual(80);
  });

  it('reads percentiles from the HDR histograms when both reports have them, not from the summary figures', () => {
    const a = report();
    const b = structuredClone(a);
    // The summary says otherwise; the histograms are what was measured.
    b.deliver = { ...b.deliver, p99: b.deliver.p99 * 10 };
    const comparison = compareReports(run('a.json', a), run('b.json', b));
    const p99 = rowOf(comparison.rows, 'deliver (HDR)', 'p99')!;
    expect(p99.b).toBe(LatencyDistribution.decode(a.histograms.deliver).percentileMs(99));
    expect(p99.regression).toBe(false);
    // Connect percentiles too, beyond the p50/p99 the summary keeps.
    expect(rowOf(comparison.rows, 'connect (HDR)', 'p99.9')?.a).toBeCloseTo(40, 1);
    // Hops from their buckets: p99.9 is there.
    expect(rowOf(comparison.rows, 'hop commit (buckets)', 'p99.9')?.a).toBeGreaterThan(0);
  });

  it('flags any drop in completeness and any rise in violations, however small', () => {
    const a = report();
    const b = structuredClone(a);
    b.oracle = { ...b.oracle, completeness: 0.99999, totalViolations: 1 };
    const comparison = compareReports(run('a.json', a), run('b.json', b), 50);
    expect(rowOf(comparison.rows, 'correctness', 'completeness')).toMatchObject({ regression: true });
    expect(rowOf(comparison.rows, 'correctness', 'oracle violations')).toMatchObject({ regression: true, change: 1 });
    expect(comparison.regressions).toBe(2);
  });

  it('judges each kind of figure by its own rule', () => {
    expect(isRegression('lower', 10, 11.5, 10)).toBe(true);
    expect(isRegression('lower', 10, 10.9, 10)).toBe(false);
    expect(isRegression('higher', 1000, 850, 10)).toBe(true);
    expect(isRegression('higher', 1000, 2000, 10)).toBe(false);
    expect(isRegression('no-drop', 1, 0.999999, 10)).toBe(true);
    expect(isRegression('no-rise', 0, 1, 10)).toBe(true);
    expect(isRegression('info', 1, 100, 10)).toBe(false);
    // A baseline of zero was not measured: nothing to judge a relative change against.
    expect(isRegression('lower', 0, 5, 10)).toBe(false);
    expect(isRegression('lower', null, 5, 10)).toBe(false);
  });

  it('compares a report from before histograms on its summary figures, and says so', () => {
    const a = readReportFile(FORMAT_1);
    expect(a).toMatchObject({ kind: 'run', format: 1 });
    const comparison = compareReports(a, run('b.json', report()));
    expect(comparison.notes).toContain(
      "A (format 1) has no histograms (reports from before format 2): latencies are compared on the reports' summary figures, hops on their rows",
    );
    expect(
      comparison.notes.some((note) => note.startsWith('different scenarios: A ran one-to-one, B ran synthetic')),
    ).toBe(true);
    expect(rowOf(comparison.rows, 'deliver (summary)', 'p99')).toMatchObject({ a: 14.751 });
    expect(comparison.rows.some((row) => row.section.includes('(HDR)'))).toBe(false);
    // Two summaries of the same run: nothing changed.
    const self = compareReports(run('a.json', formatOne(report())), run('b.json', report()));
    expect(self.regressions).toBe(0);
    expect(rowOf(self.rows, 'deliver (summary)', 'p50')?.change).toBe(0);
  });

  it('notes where the runs differ besides their figures', () => {
    const a = report();
    const b = structuredClone(a);
    const meta = {
      chatNode: { version: '0.1.0', commit: { hash: 'abc1234', dirty: false } },
      node: 'v20.11.1',
      machine: { os: 'Linux', kernel: '6.1', arch: 'x64', cpuModel: 'cpu', cpus: 2, memoryBytes: 2 ** 33 },
      scenario: { file: 's.yaml', sha256: 'a'.repeat(64) },
      options: { pushPolicy: 'always', floor: false },
    };
    a.meta = { ...meta, cluster: { kind: 'local-dev' } };
    b.meta = {
      ...meta,
      cluster: { kind: 'external', urls: ['ws://10.0.0.5:8080/v1/ws'] },
      scenario: { file: 's.yaml', sha256: 'b'.repeat(64) },
      options: { rate: 2000, pushPolicy: 'always', floor: false },
    };
    const notes = compareReports(run('a.json', a), run('b.json', b)).notes;
    expect(notes).toContain(`the scenario files differ (sha256 ${'a'.repeat(12)}… and ${'b'.repeat(12)}…)`);
    expect(notes).toContain('the clusters differ: A local chat-node dev; B ws://10.0.0.5:8080/v1/ws');
    expect(notes).toContain('the options differ: A scenario rate, push policy always; B rate 2000, push policy always');
  });

  it("compares two rate sweeps step by step, from each step's report", () => {
    const write = (name: string, content: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(content));
      return path;
    };
    const step = (rate: number, file: string, p99: number) => ({
      rate,
      sentPerSec: rate,
      deliveredPerSec: rate,
      deliverP50Ms: 2,
      deliverP99Ms: p99,
      completeness: 1,
      violations: 0,
      pass: true,
      report: file,
    });
    write('a-500.json', report());
    write(
      'b-500.json',
      report((i) => 5 * (2 + i)),
    );
    // The summaries name their steps' reports as the sweep wrote them; found next to the summary.
    const a = write('a.json', {
      scenario: 'synthetic',
      steps: [step(500, 'elsewhere/a-500.json', 10), step(1000, 'gone.json', 20)],
      highestPassingRate: 1000,
    });
    const b = write('b.json', {
      scenario: 'synthetic',
      steps: [step(500, join(dir, 'b-500.json'), 10), step(1000, 'gone.json', 30), step(2000, 'gone.json', 40)],
      highestPassingRate: 1000,
    });
    const comparison = compareReports(readReportFile(a), readReportFile(b));
    expect(
      rowOf(
        comparison.rows.filter((row) => row.step === 500),
        'deliver (HDR)',
        'p99',
      ),
    ).toMatchObject({ regression: true });
    expect(
      rowOf(
        comparison.rows.filter((row) => row.step === 1000),
        'step summary',
        'deliver p99',
      ),
    ).toMatchObject({ a: 20, b: 30, regression: true });
    expect(comparison.notes).toContain(
      "step 1000 msgs/s: A's step report was not found: compared on the sweep summary's figures",
    );
    expect(comparison.notes).toContain('step 2000 msgs/s is only in B: not compared');
    expect(plain(formatComparison(comparison))).toContain('== step 500 msgs/s ==');
  });
});

describe('unusable input', () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('names a missing file, a file that is not JSON, and JSON that is not a report', () => {
    expect(() => readReportFile(join(dir, 'missing.json'))).toThrow(
      new ReportFileError(`${join(dir, 'missing.json')}: no such file`),
    );
    expect(() => readReportFile(write('text.json', 'scenario: x'))).toThrow(/text\.json: not JSON \(/);
    expect(() => readReportFile(write('bench.json', '{"jobs": 10, "steadyPerSecond": 5}'))).toThrow(
      /bench\.json: not a chat-node sim report or sweep summary/,
    );
  });

  it('refuses a report newer than it reads, and a run compared with a sweep', () => {
    expect(() => readReportFile(write('future.json', JSON.stringify({ ...report(), formatVersion: 99 })))).toThrow(
      /report format 99 is newer than this chat-node reads \(up to 2\): update chat-node/,
    );
    const sweep = readReportFile(
      write('sweep.json', JSON.stringify({ scenario: 'synthetic', steps: [], highestPassingRate: null })),
    );
    expect(() => compareReports(run('a.json', report()), sweep)).toThrow(ReportFileError);
  });
});
