import { LatencyDistribution } from '../hdr/index.js';
import type { StoredReport } from '../compare/report-file.js';
import type { SweepSummary } from '../runner/rate-sweep.js';

/**
 * What the page's charts draw, worked out here rather than in the browser: the page script
 * (page-script.ts) only lays each spec out with the chart library. Pure.
 */

export type ChartKind = 'timeline' | 'spectrum' | 'sweep';

export interface ChartSeries {
  label: string;
  /** ms: latency, on a log axis at the left; rate: per second, linear, on the right. */
  scale: 'ms' | 'rate';
  color: string;
  dash?: boolean;
}

export interface ChartSpec {
  /** The id of the element the chart is drawn into. */
  id: string;
  kind: ChartKind;
  title: string;
  /** The chart library's aligned columns: the x values, then one column per series (null: no value there). */
  data: Array<Array<number | null>>;
  series: ChartSeries[];
}

export const COLORS = {
  p50: '#2f6db5',
  p99: '#c9302c',
  max: '#9a9a9a',
  sent: '#3d9140',
  delivered: '#e08a00',
  ack: '#7b3fa0',
  connect: '#138a8a',
} as const;

/**
 * Latency per second (p50, p99, max of the copies delivered in it) with sends and deliveries per
 * second on the second axis; null when the report keeps no timeline (format 1) or it is empty.
 */
export function timelineChart(report: StoredReport): ChartSpec | null {
  const rows = report.timeline?.seconds ?? [];
  if (rows.length === 0) return null;
  // Row s covers [s - offset, s + 1 - offset) from time zero; a merge's rows line up to within 1 s.
  const offset = report.timeline?.startOffsetSec ?? 0;
  const latency = (value: number, delivered: number) => (delivered > 0 && value > 0 ? value : null);
  return {
    id: 'chart-timeline',
    kind: 'timeline',
    title: 'Send-to-deliver latency per second, with sends and deliveries per second',
    data: [
      rows.map((row) => round(row.second - offset, 3)),
      rows.map((row) => latency(row.deliverP50Ms, row.delivered)),
      rows.map((row) => latency(row.deliverP99Ms, row.delivered)),
      rows.map((row) => latency(row.deliverMaxMs, row.delivered)),
      rows.map((row) => row.sent),
      rows.map((row) => row.delivered),
    ],
    series: [
      { label: 'deliver p50', scale: 'ms', color: COLORS.p50 },
      { label: 'deliver p99', scale: 'ms', color: COLORS.p99 },
      { label: 'deliver max', scale: 'ms', color: COLORS.max },
      { label: 'sent/s', scale: 'rate', color: COLORS.sent, dash: true },
      { label: 'delivered/s', scale: 'rate', color: COLORS.delivered, dash: true },
    ],
  };
}

/**
 * Where the spectrum is read: x = 1 / (1 - p), 20 points a decade from the minimum (x 1) to
 * p99.999 (x 100,000), and p50, p75, p80 and p95 exactly (the decades are p90, p99, ...).
 */
export const SPECTRUM_X = [
  ...new Set([...Array.from({ length: 101 }, (_, k) => round(10 ** (k / 20), 6)), 2, 4, 5, 20]),
].sort((a, b) => a - b);

/**
 * Deliver, ack and connect latency at every percentile, from the report's HDR histograms
 * (format 2); from its summary percentiles (p50, p90, p99, p99.9) otherwise. A series ends
 * where its samples do: past x = count, a percentile only repeats the maximum.
 */
export function spectrumChart(report: StoredReport): { chart: ChartSpec; fromHistograms: boolean } | null {
  const histograms = report.histograms;
  const kinds = [
    { label: 'send -> deliver', color: COLORS.p50, encoded: histograms?.deliver, summary: report.deliver },
    { label: 'send -> ack', color: COLORS.ack, encoded: histograms?.ack, summary: report.ack },
    { label: 'connect (hello to synced)', color: COLORS.connect, encoded: histograms?.connect, summary: undefined },
  ];
  if (histograms) {
    const columns: Array<Array<number | null>> = [];
    const series: ChartSeries[] = [];
    for (const kind of kinds) {
      if (!kind.encoded) continue;
      const distribution = LatencyDistribution.decode(kind.encoded);
      if (distribution.count === 0) continue;
      columns.push(
        SPECTRUM_X.map((x) =>
          x <= Math.max(1, distribution.count) ? distribution.percentileMs(100 * (1 - 1 / x)) : null,
        ),
      );
      series.push({ label: kind.label, scale: 'ms', color: kind.color });
    }
    if (series.length === 0) return null;
    return { chart: spectrum([SPECTRUM_X, ...columns], series), fromHistograms: true };
  }
  const xs = [2, 10, 100, 1000];
  const columns: Array<Array<number | null>> = [];
  const series: ChartSeries[] = [];
  for (const kind of kinds) {
    const summary = kind.summary;
    if (!summary || summary.count === 0) continue;
    columns.push(
      [summary.p50, summary.p90, summary.p99, summary.p999].map((value, i) =>
        xs[i]! <= summary.count && value > 0 ? value : null,
      ),
    );
    series.push({ label: kind.label, scale: 'ms', color: kind.color });
  }
  if (series.length === 0) return null;
  return { chart: spectrum([xs, ...columns], series), fromHistograms: false };
}

function spectrum(data: Array<Array<number | null>>, series: ChartSeries[]): ChartSpec {
  return { id: 'chart-spectrum', kind: 'spectrum', title: 'Latency by percentile', data, series };
}

/** A rate sweep: deliver p50 and p99 by the rate asked for (the floor's too, when it ran), deliveries per second on the second axis. */
export function sweepChart(summary: SweepSummary): ChartSpec | null {
  const steps = [...summary.steps].sort((a, b) => a.rate - b.rate);
  if (steps.length === 0) return null;
  const positive = (value: number | undefined) => (value !== undefined && value > 0 ? value : null);
  const data: Array<Array<number | null>> = [
    steps.map((step) => step.rate),
    steps.map((step) => positive(step.deliverP50Ms)),
    steps.map((step) => positive(step.deliverP99Ms)),
  ];
  const series: ChartSeries[] = [
    { label: 'deliver p50', scale: 'ms', color: COLORS.p50 },
    { label: 'deliver p99', scale: 'ms', color: COLORS.p99 },
  ];
  if (steps.some((step) => step.floor)) {
    data.push(
      steps.map((step) => positive(step.floor?.deliverP50Ms)),
      steps.map((step) => positive(step.floor?.deliverP99Ms)),
    );
    series.push(
      { label: 'floor p50', scale: 'ms', color: COLORS.p50, dash: true },
      { label: 'floor p99', scale: 'ms', color: COLORS.p99, dash: true },
    );
  }
  data.push(steps.map((step) => step.deliveredPerSec));
  series.push({ label: 'delivered/s', scale: 'rate', color: COLORS.delivered });
  return { id: 'chart-sweep', kind: 'sweep', title: 'Latency and deliveries by the rate asked for', data, series };
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
