import { LatencyDistribution } from '../hdr/index.js';
import { hopRowsOf, type UsageReport } from '../runner/cluster-usage.js';
import { addBuckets, loadBuckets, storeBuckets, type BucketCounts } from '../runner/prom-text.js';
import { REPORT_FORMAT_VERSION } from '../runner/run-metadata.js';
import { mergeTimelines } from '../runner/run-timeline.js';
import type { RunChecks } from '../runner/run-checks.js';
import { ackedShare, type SimReport, type SloResult } from '../runner/sim-report.js';
import { SLOWEST_REPORTED } from '../runner/slowest-deliveries.js';
import { ReportFileError, type RunFile } from './report-file.js';

/**
 * Several reports of one scenario as one report (`chat-node sim merge`): a run of all the parts'
 * load at once, their timelines aligned at time zero. Histograms are added, so the merged
 * percentiles are those of the union of the samples; counts and rates add up, durations are
 * the longest. Where a part kept no histogram (push latency, reconnect times), the merged figure
 * is the parts' highest and the report's `merged.notes` say so. Pure.
 */
export function mergeReports(parts: readonly RunFile[]): SimReport {
  if (parts.length < 2) throw new ReportFileError('merge takes two reports or more');
  const scenario = parts[0]!.report.scenario;
  const reports: SimReport[] = parts.map((part) => {
    if (part.report.scenario !== scenario)
      throw new ReportFileError(
        `${part.path} ran ${part.report.scenario}, ${parts[0]!.path} ${scenario}: only reports of one scenario merge`,
      );
    if (!part.report.histograms || !part.report.timeline) {
      throw new ReportFileError(
        `${part.path} is a report of format ${part.format}, without histograms: its percentiles cannot be merged exactly (run it again with this chat-node)`,
      );
    }
    return {
      ...part.report,
      formatVersion: part.format,
      histograms: part.report.histograms,
      timeline: part.report.timeline,
    };
  });
  const seen = new Map<string, string>();
  for (const [i, report] of reports.entries()) {
    const earlier = seen.get(report.runId);
    if (earlier !== undefined)
      throw new ReportFileError(
        `${earlier} and ${parts[i]!.path} are the same run (${report.runId}): merged, it would count twice`,
      );
    seen.set(report.runId, parts[i]!.path);
  }
  const notes: string[] = [];
  const hdr = (pick: (report: SimReport) => string) => LatencyDistribution.merge(reports.map(pick));
  const deliver = hdr((r) => r.histograms.deliver);
  const ack = hdr((r) => r.histograms.ack);
  const connect = hdr((r) => r.histograms.connect);
  const hopBuckets = mergeHopBuckets(reports, notes);
  const oracle = addUp(reports.map((r) => r.oracle));
  oracle.completeness = oracle.expectedDeliveries === 0 ? 1 : oracle.observedDeliveries / oracle.expectedDeliveries;
  oracle.ok = oracle.totalViolations === 0 && oracle.devices.unloggedCount === 0;
  const plan = addUp(reports.map((r) => r.plan));
  plan.durationMs = Math.max(...reports.map((r) => r.plan.durationMs));
  const connectPercentiles = connect.percentiles();
  const merged: SimReport = {
    formatVersion: REPORT_FORMAT_VERSION,
    scenario,
    runId: reports.map((r) => r.runId).join('+'),
    startedAt: reports.map((r) => r.startedAt).sort()[0]!,
    durationSec: Math.max(...reports.map((r) => r.durationSec)),
    plan,
    deliver: deliver.percentiles(),
    ack: ack.percentiles(),
    throughput: addUp(reports.map((r) => r.throughput)),
    // Node names repeat across runs (every local run's is `dev`): each keeps its run's id.
    nodes: reports.flatMap((r) => r.nodes.map((node) => ({ ...node, node: `${r.runId}/${node.node}` }))),
    oracle,
    ...mergeChecks(reports, notes),
    connect: {
      ...addUp(reports.map((r) => r.connect)),
      seconds: Math.max(...reports.map((r) => r.connect.seconds)),
      p50Ms: connectPercentiles.p50,
      p99Ms: connectPercentiles.p99,
    },
    usage: mergeUsage(reports, hopBuckets),
    slowest: reports
      .flatMap((r) => r.slowest)
      .sort((a, b) => b.latencyMs - a.latencyMs)
      .slice(0, SLOWEST_REPORTED),
    slos: [],
    pass: false,
    merged: {
      parts: parts.map((part, i) => ({
        file: part.path,
        runId: reports[i]!.runId,
        startedAt: reports[i]!.startedAt,
        ...(part.report.meta ? { meta: part.report.meta } : {}),
      })),
      notes,
    },
    timeline: mergeTimelines(reports.map((r) => r.timeline)),
    histograms: {
      encoding: 'hdr-v2-base64-us',
      deliver: deliver.encode(),
      ack: ack.encode(),
      connect: connect.encode(),
      hops: Object.fromEntries([...hopBuckets].map(([hop, buckets]) => [hop, storeBuckets(buckets)])),
    },
  };
  const reconnects = reports.flatMap((r) => (r.reconnect ? [r.reconnect] : []));
  if (reconnects.length > 0) {
    merged.reconnect = {
      ...addUp(reconnects),
      p50Ms: Math.max(...reconnects.map((r) => r.p50Ms)),
      p99Ms: Math.max(...reconnects.map((r) => r.p99Ms)),
      maxMs: Math.max(...reconnects.map((r) => r.maxMs)),
    };
    notes.push(
      "reconnect p50 and p99 are the parts' highest (no histogram of reconnect times is kept); returns, back and max are exact",
    );
  }
  if (reports.some((r) => r.floor))
    notes.push("the floor comparison is not merged: each part's stays in its own report");
  merged.slos = mergeSlos(merged, reports);
  merged.pass = merged.slos.every((slo) => slo.pass);
  return merged;
}

/** Each hop's buckets added over the parts; a hop whose bounds differ between parts is left out. */
function mergeHopBuckets(reports: readonly SimReport[], notes: string[]): Map<string, BucketCounts> {
  const byHop = new Map<string, BucketCounts>();
  const mismatched = new Set<string>();
  for (const report of reports) {
    for (const [hop, stored] of Object.entries(report.histograms.hops)) {
      const buckets = loadBuckets(stored);
      const sum = byHop.get(hop);
      if (sum && sum.bounds.join() !== buckets.bounds.join()) mismatched.add(hop);
      else byHop.set(hop, addBuckets(sum, buckets));
    }
  }
  for (const hop of mismatched) {
    byHop.delete(hop);
    notes.push(`hop ${hop} is left out: its bucket bounds differ between the parts`);
  }
  return byHop;
}

function mergeUsage(reports: readonly SimReport[], hopBuckets: ReadonlyMap<string, BucketCounts>): UsageReport {
  const usages = reports.map((r) => r.usage);
  const messages = usages.reduce((sum, u) => sum + u.messages, 0);
  // CPU seconds from each part's per-1,000 figure, then over all messages.
  const cpu = (pick: (u: UsageReport) => number) => usages.reduce((sum, u) => sum + (pick(u) * u.messages) / 1000, 0);
  const per1000 = (seconds: number) => (messages > 0 ? (seconds / messages) * 1000 : 0);
  const [nodes, services, load] = [
    cpu((u) => u.perThousand.nodes),
    cpu((u) => u.perThousand.services),
    cpu((u) => u.perThousand.load),
  ];
  const usage: UsageReport = {
    windowSec: Math.max(...usages.map((u) => u.windowSec)),
    messages,
    rows: reports.flatMap((r) =>
      r.usage.rows.map((row) => ({ ...row, name: `${r.runId}/${row.name}`, cpuPer1000: per1000(row.cpuSec) })),
    ),
    perThousand: {
      nodes: per1000(nodes),
      services: per1000(services),
      server: per1000(nodes + services),
      load: per1000(load),
    },
    loadShare: nodes + services + load > 0 ? load / (nodes + services + load) : 0,
    hops: hopRowsOf(hopBuckets).map(({ histogram: _kept, ...row }) => row),
  };
  const bottlenecks = reports.flatMap((r) => (r.usage.loadBottleneck ? [`${r.runId}: ${r.usage.loadBottleneck}`] : []));
  if (bottlenecks.length > 0) usage.loadBottleneck = bottlenecks.join('; ');
  return usage;
}

function mergeChecks(reports: readonly SimReport[], notes: string[]): RunChecks {
  const presence = addUp(reports.map((r) => r.presence));
  const convergence = reports.map((r) => r.presence.convergenceMs);
  presence.convergenceMs = convergence.includes(null) ? null : Math.max(...(convergence as number[]));
  const onlineAt = reports.map((r) => r.presence.allOnlineAt);
  presence.allOnlineAt = onlineAt.includes(null) ? null : Math.max(...(onlineAt as number[]));
  presence.enforced = reports.some((r) => r.presence.enforced);
  presence.ok = presence.totalViolations === 0;
  const typing = addUp(reports.map((r) => r.typing));
  const pushes = reports.map((r) => r.push);
  if (!pushes.every((push) => push.checked))
    return { push: { checked: false, reason: 'push not checked in every merged run' }, presence, typing };
  const checked = pushes;
  const push = addUp(checked);
  push.delivery = push.expectedPairs === 0 ? 1 : push.notifiedPairs / push.expectedPairs;
  push.ok = push.totalViolations === 0;
  push.log = [...new Set(checked.map((p) => p.log))].join(', ');
  const latencies = checked.flatMap((p) => (p.latency ? [p.latency] : []));
  push.latency =
    latencies.length === 0
      ? null
      : {
          count: latencies.reduce((sum, l) => sum + l.count, 0),
          p50: Math.max(...latencies.map((l) => l.p50)),
          p90: Math.max(...latencies.map((l) => l.p90)),
          p99: Math.max(...latencies.map((l) => l.p99)),
          max: Math.max(...latencies.map((l) => l.max)),
        };
  if (latencies.length > 1)
    notes.push(
      "push latency p50, p90 and p99 are the parts' highest (the push check keeps no histogram); count and max are exact",
    );
  return { push, presence, typing };
}

/**
 * The parts' objectives, judged again where the merged report has the figure (latencies,
 * completeness, violations); any other one is met when every part met it.
 */
function mergeSlos(merged: SimReport, reports: readonly SimReport[]): SloResult[] {
  const measured: Record<string, number | null> = {
    'deliver p50': merged.deliver.p50,
    'deliver p99': merged.deliver.p99,
    'ack p99': merged.ack.p99,
    completeness: merged.oracle.completeness,
    'sends acked': ackedShare(merged.oracle),
    'presence convergence': merged.presence.convergenceMs,
  };
  // Unchecked, push delivery is reported as not checked and met: left to the parts' verdicts.
  if (merged.push.checked) measured['push delivery'] = merged.push.delivery;
  const violations: Record<string, number> = {
    oracle: merged.oracle.totalViolations,
    'push check': merged.push.checked ? merged.push.totalViolations : 0,
    'presence check': merged.presence.totalViolations,
    'typing check': merged.typing.totalViolations,
  };
  const names = [...new Set(reports.flatMap((r) => r.slos.map((slo) => slo.name)))];
  return names.map((name) => {
    const rows = reports.flatMap((r) => r.slos.filter((slo) => slo.name === name));
    const target = rows[0]!.target;
    const bound = /^(<=|>=) (-?[0-9.]+)(.*)$/.exec(target);
    const value = measured[name];
    if (bound && value !== undefined) {
      const limit = Number(bound[2]);
      const unit = bound[3]!;
      if (value === null) return { name, target, measured: 'never', pass: false };
      const text = `${Number.isInteger(value) ? value : value.toFixed(unit === '' ? 4 : 2)}${unit}`;
      return { name, target, measured: text, pass: bound[1] === '<=' ? value <= limit : value >= limit };
    }
    if (target === 'no violation' && violations[name] !== undefined) {
      const count = violations[name];
      return { name, target, measured: count === 0 ? 'none' : `${count} violations`, pass: count === 0 };
    }
    return { name, target, measured: rows.map((slo) => slo.measured).join(' / '), pass: rows.every((slo) => slo.pass) };
  });
}

/**
 * Adds up values of one shape: numbers summed, booleans true when all are, arrays joined,
 * objects field by field; anything else (strings, nulls) is the first part's. Callers fix the
 * fields that are ratios, maxima or verdicts.
 */
function addUp<T>(values: readonly T[]): T {
  const first = values[0];
  if (typeof first === 'number')
    return values.reduce((sum, value) => sum + (typeof value === 'number' ? value : 0), 0) as T;
  if (typeof first === 'boolean') return values.every(Boolean) as T;
  if (Array.isArray(first)) return values.flatMap((value) => (Array.isArray(value) ? value : [])) as T;
  if (first !== null && typeof first === 'object') {
    const keys = [
      ...new Set(values.flatMap((value) => (value !== null && typeof value === 'object' ? Object.keys(value) : []))),
    ];
    const field = (key: string) =>
      values.map((value) => (value as Record<string, unknown>)[key]).filter((entry) => entry !== undefined);
    return Object.fromEntries(keys.map((key) => [key, addUp(field(key))])) as T;
  }
  return first as T;
}
