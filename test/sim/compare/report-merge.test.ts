import { describe, expect, it } from 'vitest';
import { compareReports } from '../../../src/sim/compare/report-comparison.js';
import { ReportFileError, type RunFile } from '../../../src/sim/compare/report-file.js';
import { mergeReports } from '../../../src/sim/compare/report-merge.js';
import { LatencyDistribution } from '../../../src/sim/hdr/index.js';
import { loadBuckets } from '../../../src/sim/runner/prom-text.js';
import { buildReport, type SimReport } from '../../../src/sim/runner/sim-report.js';
import { SeededRandom } from '../../../src/sim/scenario/index.js';
import { syntheticOutcome } from '../runner/synthetic-outcome.js';

const run = (path: string, report: SimReport): RunFile => ({ kind: 'run', path, report, format: report.formatVersion });

/** Latencies with a long tail: mostly a few ms, some hundreds, a few seconds. */
function samples(seed: number, count: number): number[] {
  const random = new SeededRandom(seed, 'latency');
  return Array.from({ length: count }, () => {
    const base = 0.5 + random.exponential() * 3;
    return random.chance(0.01) ? base * 200 : random.chance(0.1) ? base * 10 : base;
  });
}

function distribution(values: readonly number[]): LatencyDistribution {
  const histogram = new LatencyDistribution();
  for (const value of values) histogram.recordMs(value);
  return histogram;
}

let runs = 0;
/** A report of a synthetic run (a run id of its own), whose deliveries took deliverMs(i). */
function report(deliverMs?: (i: number) => number): SimReport {
  return { ...buildReport(syntheticOutcome({ deliverMs })).report, runId: `r${++runs}` };
}

/** A report of a synthetic run whose deliver histogram holds `values`. */
function reportWith(values: readonly number[]): SimReport {
  const base = report();
  const histogram = distribution(values);
  return { ...base, deliver: histogram.percentiles(), histograms: { ...base.histograms, deliver: histogram.encode() } };
}

describe('merging reports', () => {
  it("gives exactly the percentiles of one histogram fed both runs' samples", () => {
    const first = samples(1, 20_000);
    const second = samples(2, 7_000).map((ms) => ms * 1.7);
    const merged = mergeReports([run('a.json', reportWith(first)), run('b.json', reportWith(second))]);
    const union = distribution([...first, ...second]);
    expect(merged.deliver).toEqual(union.percentiles());
    const decoded = LatencyDistribution.decode(merged.histograms.deliver);
    for (const percentile of [1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100])
      expect(decoded.percentileMs(percentile)).toBe(union.percentileMs(percentile));
    expect(decoded.count).toBe(27_000);
    expect(decoded.meanMs).toBeCloseTo(union.meanMs, 9);
  });

  it("adds the timelines second by second, and each second's percentiles are those of its union", () => {
    const a = report((i) => 2 + i);
    const b = report((i) => 50 + i);
    const merged = mergeReports([run('a.json', a), run('b.json', b)]);
    expect(merged.timeline.startOffsetSec).toBeNull();
    expect(merged.timeline.seconds.map((row) => row.second)).toEqual(a.timeline.seconds.map((row) => row.second));
    merged.timeline.seconds.forEach((row, i) => {
      const [rowA, rowB] = [a.timeline.seconds[i]!, b.timeline.seconds[i]!];
      expect(row).toMatchObject({
        sent: rowA.sent + rowB.sent,
        acked: rowA.acked + rowB.acked,
        delivered: rowA.delivered + rowB.delivered,
      });
      const union = LatencyDistribution.merge([rowA.deliverHdr!, rowB.deliverHdr!], { significantDigits: 2 });
      expect(row.deliverP99Ms).toBe(union.percentileMs(99));
      expect(row.deliverMaxMs).toBe(union.maxMs);
    });
  });

  it('sums the counts and works out the shares and the CPU per message again', () => {
    const a = report();
    const b = structuredClone(a);
    b.runId = 'second';
    b.oracle = { ...b.oracle, observedDeliveries: b.oracle.observedDeliveries - 3, totalViolations: 3 };
    b.usage = {
      ...b.usage,
      messages: a.usage.messages * 3,
      perThousand: { ...b.usage.perThousand, nodes: 20, server: 20 },
    };
    const merged = mergeReports([run('a.json', a), run('b.json', b)]);
    expect(merged.plan.sends).toBe(2 * a.plan.sends);
    expect(merged.plan.durationMs).toBe(a.plan.durationMs);
    expect(merged.oracle.expectedDeliveries).toBe(2 * a.oracle.expectedDeliveries);
    expect(merged.oracle.completeness).toBeCloseTo(
      (2 * a.oracle.observedDeliveries - 3) / (2 * a.oracle.expectedDeliveries),
      12,
    );
    expect(merged.oracle.ok).toBe(false);
    expect(merged.throughput.sentPerSec).toBeCloseTo(2 * a.throughput.sentPerSec, 9);
    // (100 s/1k x 6 messages + 20 s/1k x 18 messages) over 24 messages.
    expect(merged.usage.perThousand.nodes).toBeCloseTo(((0.6 + 0.36) / 24) * 1000, 9);
    expect(merged.nodes).toEqual([]);
    expect(merged.usage.rows.map((row) => row.name)).toEqual([`${a.runId}/gw-1`, 'second/gw-1']);
    expect(loadBuckets(merged.histograms.hops.commit!).counts).toEqual([8, 12, 12]);
    expect(merged.usage.hops).toMatchObject([{ hop: 'commit', count: 12 }]);
    expect(merged.slos.find((slo) => slo.name === 'oracle')).toEqual({
      name: 'oracle',
      target: 'no violation',
      measured: '3 violations',
      pass: false,
    });
    expect(merged.pass).toBe(false);
    expect(merged.merged!.parts.map((part) => [part.file, part.runId])).toEqual([
      ['a.json', a.runId],
      ['b.json', 'second'],
    ]);
  });

  it('judges the latency objectives again on the merged histogram', () => {
    const fast = reportWith(samples(3, 1000));
    const slow = reportWith(samples(4, 1000).map((ms) => ms * 30));
    for (const part of [fast, slow])
      part.slos = [
        {
          name: 'deliver p99',
          target: '<= 250 ms',
          measured: `${part.deliver.p99.toFixed(2)} ms`,
          pass: part.deliver.p99 <= 250,
        },
      ];
    const merged = mergeReports([run('fast.json', fast), run('slow.json', slow)]);
    expect(merged.slos).toEqual([
      {
        name: 'deliver p99',
        target: '<= 250 ms',
        measured: `${merged.deliver.p99.toFixed(2)} ms`,
        pass: merged.deliver.p99 <= 250,
      },
    ]);
  });

  it('refuses reports of other scenarios, reports without histograms, the same run twice, and a single report', () => {
    const a = report();
    expect(() => mergeReports([run('a.json', a), run('b.json', { ...report(), scenario: 'other' })])).toThrow(
      /b\.json ran other, a\.json synthetic: only reports of one scenario merge/,
    );
    const { histograms: _h, timeline: _t, formatVersion: _v, ...old } = report();
    expect(() => mergeReports([run('a.json', a), { kind: 'run', path: 'old.json', report: old, format: 1 }])).toThrow(
      /old\.json is a report of format 1, without histograms: its percentiles cannot be merged exactly/,
    );
    expect(() => mergeReports([run('a.json', a), run('copy.json', a)])).toThrow(
      `a.json and copy.json are the same run (${a.runId}): merged, it would count twice`,
    );
    expect(() => mergeReports([run('a.json', a)])).toThrow(ReportFileError);
  });

  it('makes a report that compares like any other', () => {
    const merged = mergeReports([
      run('a.json', reportWith(samples(5, 500))),
      run('b.json', reportWith(samples(6, 500))),
    ]);
    const comparison = compareReports(run('m.json', merged), run('m2.json', structuredClone(merged)));
    expect(comparison.regressions).toBe(0);
    expect(comparison.a.mergedRuns).toBe(2);
    expect(comparison.notes).toEqual([]);
  });
});
