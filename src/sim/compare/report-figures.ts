import { LatencyDistribution, type LatencyPercentiles } from '../hdr/index.js';
import { bucketQuantile, loadBuckets } from '../runner/prom-text.js';
import type { SweepStep } from '../runner/rate-sweep.js';
import type { StoredReport } from './report-file.js';

/**
 * Every figure of a report that two runs can be compared on, each with the direction that is
 * worse. Pure: the reading is in report-file.ts, the judging in report-comparison.ts.
 */

/**
 * lower / higher: better when lower (latency, CPU) or higher (throughput), judged against the
 * threshold; no-drop: any drop is worse (completeness); no-rise: any rise is worse (violations);
 * info: shown, not judged.
 */
export type FigureRule = 'lower' | 'higher' | 'no-drop' | 'no-rise' | 'info';
export type FigureUnit = 'ms' | 'per-s' | 'cpu-s' | 'KiB' | 'ratio' | 'share' | 'count';

export interface Figure {
  section: string;
  name: string;
  /** Null: the report does not have it. */
  value: number | null;
  unit: FigureUnit;
  rule: FigureRule;
}

/** Where the latency figures come from; the same for both reports of a comparison. */
export interface FigureSources {
  /** Decoded HDR histograms (deliver, ack, connect), else the reports' summary figures. */
  hdr: boolean;
  /** Each hop's stored buckets, else the hop rows' figures. */
  hopBuckets: boolean;
}

/** What a report can offer: a source is used only when both reports of a comparison have it. */
export function sourcesOf(report: StoredReport): FigureSources {
  const histograms = report.histograms;
  return { hdr: histograms !== undefined, hopBuckets: histograms?.hops !== undefined };
}

export function commonSources(a: FigureSources, b: FigureSources): FigureSources {
  return { hdr: a.hdr && b.hdr, hopBuckets: a.hopBuckets && b.hopBuckets };
}

const finite = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export function runFigures(report: StoredReport, sources: FigureSources): Figure[] {
  const figures: Figure[] = [];
  const add = (section: string, name: string, value: unknown, unit: FigureUnit, rule: FigureRule) =>
    figures.push({ section, name, value: finite(value), unit, rule });
  const latency = (section: string, summary: Partial<LatencyPercentiles> | undefined, encoded: string | undefined) => {
    const percentiles =
      sources.hdr && encoded !== undefined ? LatencyDistribution.decode(encoded).percentiles() : summary;
    const named = `${section} (${sources.hdr ? 'HDR' : 'summary'})`;
    add(named, 'p50', percentiles?.p50, 'ms', 'lower');
    add(named, 'p90', percentiles?.p90, 'ms', 'lower');
    add(named, 'p99', percentiles?.p99, 'ms', 'lower');
    add(named, 'p99.9', percentiles?.p999, 'ms', 'lower');
    add(named, 'max', percentiles?.max, 'ms', 'lower');
    add(named, 'count', percentiles?.count, 'count', 'info');
  };
  latency('deliver', report.deliver, report.histograms?.deliver);
  latency('ack', report.ack, report.histograms?.ack);

  const connect = report.connect as Partial<StoredReport['connect']> | undefined;
  if (sources.hdr && report.histograms?.connect !== undefined) {
    latency('connect', undefined, report.histograms.connect);
  } else {
    add('connect (summary)', 'p50', connect?.p50Ms, 'ms', 'lower');
    add('connect (summary)', 'p99', connect?.p99Ms, 'ms', 'lower');
  }
  const connectSection = `connect (${sources.hdr ? 'HDR' : 'summary'})`;
  add(connectSection, 'connects/s', connect?.perSecond, 'per-s', 'higher');
  add(connectSection, 'devices', connect?.devices, 'count', 'info');

  if (report.reconnect) {
    const r = report.reconnect;
    add('reconnect', 'p50', r.p50Ms, 'ms', 'lower');
    add('reconnect', 'p99', r.p99Ms, 'ms', 'lower');
    add('reconnect', 'max', r.maxMs, 'ms', 'lower');
    add('reconnect', 'back', r.returns > 0 ? r.back / r.returns : 1, 'share', 'no-drop');
  }

  add('throughput', 'sent/s', report.throughput?.sentPerSec, 'per-s', 'higher');
  add('throughput', 'delivered/s', report.throughput?.deliveredPerSec, 'per-s', 'higher');

  const oracle = report.oracle;
  add('correctness', 'completeness', oracle.completeness, 'share', 'no-drop');
  add('correctness', 'sends acked', oracle.planned > 0 ? oracle.acked / oracle.planned : 1, 'share', 'no-drop');
  add('correctness', 'oracle violations', oracle.totalViolations, 'count', 'no-rise');
  add('correctness', 'missing messages', oracle.missingMessages, 'count', 'no-rise');
  if (report.push?.checked) {
    add('correctness', 'push delivery', report.push.delivery, 'share', 'no-drop');
    add('correctness', 'push violations', report.push.totalViolations, 'count', 'no-rise');
  }
  if (report.presence) add('correctness', 'presence violations', report.presence.totalViolations, 'count', 'no-rise');
  if (report.typing) add('correctness', 'typing violations', report.typing.totalViolations, 'count', 'no-rise');
  add('correctness', 'SLOs missed', (report.slos ?? []).filter((slo) => !slo.pass).length, 'count', 'no-rise');

  figures.push(...cpuFigures(report));

  const nodes = report.nodes ?? [];
  const perConnection = nodes.flatMap((node) =>
    node.rssBytesPerConnection === null ? [] : [node.rssBytesPerConnection / 1024],
  );
  add('memory', 'RSS/conn, max node', perConnection.length > 0 ? Math.max(...perConnection) : null, 'KiB', 'lower');
  add(
    'memory',
    'conns, max node',
    nodes.length > 0 ? Math.max(...nodes.map((node) => node.connections)) : null,
    'count',
    'info',
  );

  for (const hop of report.usage?.hops ?? []) {
    const stored = sources.hopBuckets ? report.histograms?.hops[hop.hop] : undefined;
    const section = `hop ${hop.hop} (${sources.hopBuckets ? 'buckets' : 'summary'})`;
    if (stored) {
      const buckets = loadBuckets(stored);
      const ms = (q: number) => bucketQuantile(buckets, q) * 1000;
      add(section, 'p50', ms(0.5), 'ms', 'lower');
      add(section, 'p90', ms(0.9), 'ms', 'lower');
      add(section, 'p99', ms(0.99), 'ms', 'lower');
      add(section, 'p99.9', ms(0.999), 'ms', 'lower');
      add(section, 'mean', stored.count > 0 ? (stored.sumSec / stored.count) * 1000 : null, 'ms', 'lower');
    } else {
      add(section, 'p50', hop.p50Ms, 'ms', 'lower');
      add(section, 'p90', hop.p90Ms, 'ms', 'lower');
      add(section, 'p99', hop.p99Ms, 'ms', 'lower');
      add(section, 'mean', hop.meanMs, 'ms', 'lower');
    }
  }

  if (report.floor) {
    const { ratios } = report.floor;
    add('vs the floor', 'deliver p50', ratios.deliverP50, 'ratio', 'lower');
    add('vs the floor', 'deliver p99', ratios.deliverP99, 'ratio', 'lower');
    add('vs the floor', 'ack p99', ratios.ackP99, 'ratio', 'lower');
    add('vs the floor', 'server CPU/msg', ratios.cpuPerMessage, 'ratio', 'lower');
  }
  return figures;
}

/**
 * CPU seconds per 1,000 messages: the server (cluster processes and services), each role's
 * processes, the threads of a process that runs roles on threads, each service, and the load
 * generator (shown, not judged: it is not the system under test).
 */
function cpuFigures(report: StoredReport): Figure[] {
  const usage = report.usage;
  if (!usage) return [];
  const section = 'CPU s / 1k msgs';
  const figures: Figure[] = [
    { section, name: 'server, all', value: finite(usage.perThousand.server), unit: 'cpu-s', rule: 'lower' },
    { section, name: 'cluster processes', value: finite(usage.perThousand.nodes), unit: 'cpu-s', rule: 'lower' },
    { section, name: 'services', value: finite(usage.perThousand.services), unit: 'cpu-s', rule: 'lower' },
  ];
  const byName = new Map<string, number>();
  for (const row of usage.rows) {
    const name =
      row.kind === 'node'
        ? `role ${row.role}`
        : row.kind === 'thread'
          ? `${row.role} thread`
          : row.kind === 'service'
            ? row.name
            : undefined;
    if (name !== undefined) byName.set(name, (byName.get(name) ?? 0) + row.cpuPer1000);
  }
  for (const [name, value] of [...byName].sort((a, b) => a[0].localeCompare(b[0])))
    figures.push({ section, name, value: finite(value), unit: 'cpu-s', rule: 'lower' });
  figures.push({ section, name: 'load generator', value: finite(usage.perThousand.load), unit: 'cpu-s', rule: 'info' });
  return figures;
}

/** A sweep step without its own report: the figures of its summary row. */
export function stepSummaryFigures(step: SweepStep): Figure[] {
  const section = 'step summary';
  const figures: Figure[] = [
    { section, name: 'deliver p50', value: finite(step.deliverP50Ms), unit: 'ms', rule: 'lower' },
    { section, name: 'deliver p99', value: finite(step.deliverP99Ms), unit: 'ms', rule: 'lower' },
    { section, name: 'sent/s', value: finite(step.sentPerSec), unit: 'per-s', rule: 'higher' },
    { section, name: 'delivered/s', value: finite(step.deliveredPerSec), unit: 'per-s', rule: 'higher' },
    { section, name: 'completeness', value: finite(step.completeness), unit: 'share', rule: 'no-drop' },
    { section, name: 'violations', value: finite(step.violations), unit: 'count', rule: 'no-rise' },
    { section, name: 'SLOs met', value: step.pass ? 1 : 0, unit: 'count', rule: 'no-drop' },
  ];
  if (step.floor) {
    figures.push({
      section,
      name: 'floor deliver p50',
      value: finite(step.floor.deliverP50Ms),
      unit: 'ms',
      rule: 'info',
    });
    figures.push({
      section,
      name: 'floor deliver p99',
      value: finite(step.floor.deliverP99Ms),
      unit: 'ms',
      rule: 'info',
    });
  }
  return figures;
}
