import chalk from 'chalk';
import type { LatencyPercentiles } from '../hdr/index.js';
import { LatencyTimeline } from '../hdr/index.js';
import { checkRun, type OracleReport } from '../oracle/index.js';
import type { ConnectFigures, RunOutcome } from './coordinator.js';
import { renderLatencyChart } from './latency-chart.js';
import type { NodeFigures } from './node-metrics.js';
import { formatUsage, type UsageReport } from './cluster-usage.js';
import { formatFloorComparison, type FloorComparison } from './floor-comparison.js';
import type { TracedDelivery } from './slowest-deliveries.js';
import { reconnectFigures, type ReconnectFigures } from './reconnect-figures.js';
import { traceSteps } from '../../core/observability/trace-report.js';
import { checkSlos, formatChecks, runChecks, type RunCheckOptions, type RunChecks } from './run-checks.js';
import { REPORT_FORMAT_VERSION, type RunMetadata } from './run-metadata.js';
import { runTimeline, type RunTimeline } from './run-timeline.js';
import type { StoredBuckets } from './prom-text.js';

export interface SloResult {
  name: string;
  target: string;
  measured: string;
  pass: boolean;
}

/** The run's distributions, whole, so that reports compare and merge exactly (`chat-node sim compare`, `sim merge`). */
export interface ReportHistograms {
  /** deliver, ack and connect: HdrHistogram V2 (hdr-histogram-js encodeIntoCompressedBase64), values in µs, 3 significant digits. */
  encoding: 'hdr-v2-base64-us';
  deliver: string;
  ack: string;
  /** Connect times of the connect phase (first hello to synced, retries included). */
  connect: string;
  /** Per hop (usage.hops), the roles' Prometheus buckets over the run: fixed bounds, not HDR. */
  hops: Record<string, StoredBuckets>;
}

/** What a merged report was made of (`chat-node sim merge`). */
export interface MergeInfo {
  parts: Array<{ file: string; runId: string; startedAt: string; meta?: RunMetadata }>;
  /** Figures that could not be merged exactly, and what stands in their place. */
  notes: string[];
}

export interface SimReport {
  /** The report's layout: REPORT_FORMAT_VERSION (absent before 2: no meta, timeline, histograms). */
  formatVersion: number;
  scenario: string;
  runId: string;
  startedAt: string;
  durationSec: number;
  plan: RunOutcome['summary'];
  deliver: LatencyPercentiles;
  ack: LatencyPercentiles;
  throughput: { sentPerSec: number; deliveredPerSec: number };
  nodes: Array<NodeFigures & { rssBytesPerConnection: number | null }>;
  oracle: Omit<OracleReport, 'violations' | 'warnings'> & {
    violations: OracleReport['violations'];
    warnings: OracleReport['warnings'];
  };
  /** The push path (when a push log was given), presence convergence, typing expiry. */
  push: RunChecks['push'];
  presence: RunChecks['presence'];
  typing: RunChecks['typing'];
  /** CPU per process and per message, event loops, and each hop's latency (start to end of the drain). */
  usage: UsageReport;
  /** The connect phase: devices, seconds, connects per second, connect time p50/p99 (hello to synced). */
  connect: ConnectFigures;
  /** How churned devices came back (when the scenario churns): time from return to live, per return. */
  reconnect?: ReconnectFigures;
  /** The run's slowest deliveries with their hops through the cluster, where the nodes still remembered them. */
  slowest: TracedDelivery[];
  /** The same scenario on the bare pipeline, run by the same command (`sim --floor`). */
  floor?: FloorComparison;
  slos: SloResult[];
  pass: boolean;
  /** Which code ran where, against which cluster, with which scenario file (absent when the caller gave none). */
  meta?: RunMetadata;
  /** Set, instead of meta, on a report made by `chat-node sim merge`. */
  merged?: MergeInfo;
  /** Sends, acks, deliveries and their latencies second by second. */
  timeline: RunTimeline;
  histograms: ReportHistograms;
}

export interface ReportOptions extends RunCheckOptions {
  /** The run's metadata (collectRunMetadata), written into the report as `meta`. */
  meta?: RunMetadata;
}

/** Turns a finished run into its report: merged histograms, the oracle's verdict, SLOs, nodes. */
export function buildReport(
  outcome: RunOutcome,
  checkOptions: ReportOptions = {},
): { report: SimReport; chart: string } {
  const deliverTimeline = LatencyTimeline.merge(outcome.outputs.map((o) => o.deliver));
  const ackTimeline = LatencyTimeline.merge(outcome.outputs.map((o) => o.ack));
  const deliverTotal = deliverTimeline.total();
  const ackTotal = ackTimeline.total();
  const deliver = deliverTotal.percentiles();
  const ack = ackTotal.percentiles();
  const windows = Object.assign({}, ...outcome.outputs.map((o) => o.windows)) as Record<
    string,
    Array<{ from: number; to: number | null }>
  >;
  const oracle = checkRun({
    plan: outcome.plan,
    roomIds: outcome.roomIds,
    acks: outcome.outputs.flatMap((o) => o.acks),
    logs: outcome.outputs.flatMap((o) => o.logs),
    windows,
    endedAt: outcome.endedAt,
    // A device that could not come back is judged with the unsettled rule, not as a loss.
    allSynced: outcome.outputs.every((o) => o.allOnline),
    ...(checkOptions.readState === false ? { options: { readState: false } } : {}),
  });
  const { rampUpMs, steadyMs } = outcome.plan.phases;
  const activeSec = (rampUpMs + steadyMs) / 1000;
  const nodes = outcome.nodesSteady.map((node) => ({
    ...node,
    rssBytesPerConnection: perConnection(
      node,
      outcome.nodesBefore.find((b) => b.node === node.node),
    ),
  }));
  const slo = outcome.scenario.slo;
  const slos: SloResult[] = [];
  const check = (name: string, target: number | undefined, measured: number, unit: string, lowerIsBetter = true) => {
    if (target === undefined) return;
    slos.push({
      name,
      target: `${lowerIsBetter ? '<=' : '>='} ${target}${unit}`,
      measured: `${Number.isInteger(measured) ? measured : measured.toFixed(unit === '' ? 4 : 2)}${unit}`,
      pass: lowerIsBetter ? measured <= target : measured >= target,
    });
  };
  check('deliver p50', slo.deliverP50Ms, deliver.p50, ' ms');
  check('deliver p99', slo.deliverP99Ms, deliver.p99, ' ms');
  check('ack p99', slo.ackP99Ms, ack.p99, ' ms');
  check('completeness', slo.completeness, oracle.completeness, '', false);
  check('sends acked', slo.ackedShare, ackedShare(oracle), '', false);
  const reconnect = reconnectFigures(outcome.plan, windows, outcome.t0);
  if (reconnect && slo.reconnectMaxMs !== undefined) {
    // A device never back counts as past any limit.
    const worst = reconnect.back < reconnect.returns ? Number.POSITIVE_INFINITY : reconnect.maxMs;
    slos.push({
      name: 'reconnect (all back and synced)',
      target: `<= ${slo.reconnectMaxMs} ms`,
      measured: Number.isFinite(worst) ? `${worst.toFixed(0)} ms` : `${reconnect.returns - reconnect.back} never back`,
      pass: worst <= slo.reconnectMaxMs,
    });
  }
  slos.push(...nodeSlos(nodes, slo));
  slos.push({
    name: 'oracle',
    target: 'no violation',
    measured: oracle.ok ? 'none' : `${oracle.totalViolations} violations`,
    pass: oracle.ok,
  });
  const checks = runChecks(outcome, checkOptions);
  slos.push(...checkSlos(checks, slo));
  const sent = outcome.progress.reduce((sum, p) => sum + p.sent, 0);
  const delivered = outcome.progress.reduce((sum, p) => sum + p.delivered, 0);
  const hops = outcome.usage.hops;
  const report: SimReport = {
    formatVersion: REPORT_FORMAT_VERSION,
    scenario: outcome.scenario.name,
    runId: outcome.plan.runId,
    startedAt: new Date(outcome.t0).toISOString(),
    durationSec: (outcome.endedAt - outcome.t0) / 1000,
    plan: outcome.summary,
    deliver,
    ack,
    throughput: { sentPerSec: sent / activeSec, deliveredPerSec: delivered / activeSec },
    nodes,
    oracle,
    ...checks,
    connect: outcome.connect,
    ...(reconnect ? { reconnect } : {}),
    // The hops' buckets go with the other histograms, at the end.
    usage: { ...outcome.usage, hops: hops.map(({ histogram: _kept, ...row }) => row) },
    slowest: outcome.slowest,
    slos,
    pass: slos.every((s) => s.pass),
    ...(checkOptions.meta ? { meta: checkOptions.meta } : {}),
    timeline: runTimeline({
      t0: outcome.t0,
      deliver: deliverTimeline,
      ack: ackTimeline,
      sentBySecond: outcome.outputs.flatMap((o) => o.sentBySecond),
    }),
    histograms: {
      encoding: 'hdr-v2-base64-us',
      deliver: deliverTotal.encode(),
      ack: ackTotal.encode(),
      connect: outcome.connectTimes,
      hops: Object.fromEntries(hops.flatMap((row) => (row.histogram ? [[row.hop, row.histogram]] : []))),
    },
  };
  const phases = [
    { name: 'ramp-up', fromS: 0, toS: rampUpMs / 1000 },
    { name: 'steady', fromS: rampUpMs / 1000, toS: (rampUpMs + steadyMs) / 1000 },
    {
      name: 'drain',
      fromS: (rampUpMs + steadyMs) / 1000,
      toS: (rampUpMs + steadyMs + outcome.plan.phases.drainMs) / 1000,
    },
  ];
  const points = deliverTimeline
    .points(outcome.t0)
    .map((p) => ({ t: p.fromMs / 1000, p50: p.p50, p99: p.p99, max: p.max, count: p.count }));
  const chart = renderLatencyChart(`${outcome.scenario.name}: send-to-deliver latency`, points, phases);
  return { report, chart };
}

/** Planned sends acked, as a share (1 when none were planned). */
export function ackedShare(oracle: Pick<OracleReport, 'acked' | 'planned'>): number {
  return oracle.planned === 0 ? 1 : oracle.acked / oracle.planned;
}

/**
 * The gateway SLOs, per node (all the processes behind one gateway port) at the steady-phase
 * scrape: the most and the fewest connections any node held, and the most memory per connection.
 */
export function nodeSlos(
  nodes: SimReport['nodes'],
  slo: Pick<RunOutcome['scenario']['slo'], 'maxConnectionsPerNode' | 'minConnectionsPerNode' | 'maxBytesPerConnection'>,
): SloResult[] {
  const counts = nodes.map((n) => n.connections);
  const rows: SloResult[] = [];
  if (slo.maxConnectionsPerNode !== undefined) {
    const most = Math.max(0, ...counts);
    rows.push({
      name: 'connections per node (max)',
      target: `<= ${slo.maxConnectionsPerNode}`,
      measured: String(most),
      pass: most <= slo.maxConnectionsPerNode,
    });
  }
  if (slo.minConnectionsPerNode !== undefined) {
    // No node scraped counts as none held: the objective cannot be shown met.
    const fewest = counts.length === 0 ? 0 : Math.min(...counts);
    rows.push({
      name: 'connections per node (min)',
      target: `>= ${slo.minConnectionsPerNode}`,
      measured: String(fewest),
      pass: fewest >= slo.minConnectionsPerNode,
    });
  }
  if (slo.maxBytesPerConnection !== undefined) {
    const bytes = Math.max(0, ...nodes.map((n) => n.rssBytesPerConnection ?? 0));
    rows.push({
      name: 'RSS bytes per connection',
      target: `<= ${slo.maxBytesPerConnection} B`,
      measured: `${bytes} B`,
      pass: bytes <= slo.maxBytesPerConnection,
    });
  }
  return rows;
}

/**
 * RSS growth per connection added since the run began, the node's processes together; null when
 * too few connections were added to show above the garbage collector's swings (rather than a
 * negative figure).
 */
export function perConnection(steady: NodeFigures, before: NodeFigures | undefined): number | null {
  if (!before) return null;
  const added = steady.connections - before.connections;
  const grown = steady.rssBytes - before.rssBytes;
  return added > 0 && grown > 0 ? Math.round(grown / added) : null;
}

/** The table a person reads at the end. */
export function formatReport(report: SimReport): string {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const lines = [
    '',
    chalk.bold(`scenario ${report.scenario} (run ${report.runId}), ${report.durationSec.toFixed(1)} s`),
    `  ${report.plan.users} users, ${report.plan.devices} devices, ${report.plan.rooms.direct + report.plan.rooms.group} rooms, ${report.plan.sends} sends planned`,
    `  connected ${report.connect.devices} devices in ${report.connect.seconds.toFixed(1)} s (${report.connect.perSecond.toFixed(0)}/s; hello to synced p50 ${ms(report.connect.p50Ms)}, p99 ${ms(report.connect.p99Ms)})`,
    `  sent ${report.throughput.sentPerSec.toFixed(0)}/s, delivered ${report.throughput.deliveredPerSec.toFixed(0)}/s (ramp-up and steady)`,
    '',
    `  ${'latency'.padEnd(18)} ${'count'.padStart(9)} ${'p50'.padStart(10)} ${'p90'.padStart(10)} ${'p99'.padStart(10)} ${'max'.padStart(10)}`,
    `  ${'send -> deliver'.padEnd(18)} ${String(report.deliver.count).padStart(9)} ${ms(report.deliver.p50).padStart(10)} ${ms(report.deliver.p90).padStart(10)} ${ms(report.deliver.p99).padStart(10)} ${ms(report.deliver.max).padStart(10)}`,
    `  ${'send -> ack'.padEnd(18)} ${String(report.ack.count).padStart(9)} ${ms(report.ack.p50).padStart(10)} ${ms(report.ack.p90).padStart(10)} ${ms(report.ack.p99).padStart(10)} ${ms(report.ack.max).padStart(10)}`,
    '',
    `  oracle: ${report.oracle.acked}/${report.oracle.planned} sends acked, ${report.oracle.observedDeliveries}/${report.oracle.expectedDeliveries} expected deliveries seen (completeness ${report.oracle.completeness.toFixed(6)}), ${report.oracle.totalViolations} violations`,
  ];
  for (const violation of report.oracle.violations.slice(0, 10))
    lines.push(
      chalk.red(
        `    ${violation.kind}: room ${violation.room}${violation.seq !== undefined ? ` seq ${violation.seq}` : ''}${violation.device ? ` device ${violation.device}` : ''}: ${violation.detail}`,
      ),
    );
  if (report.reconnect) {
    const r = report.reconnect;
    lines.push(
      `  reconnect: ${r.back}/${r.returns} returns live again (welcomed and synced); from return to live p50 ${ms(r.p50Ms)}, p99 ${ms(r.p99Ms)}, max ${ms(r.maxMs)}`,
    );
  }
  lines.push(...formatChecks(report));
  if (report.nodes.length > 0) {
    lines.push(
      '',
      `  ${'gateway node'.padEnd(28)} ${'connections'.padStart(11)} ${'RSS'.padStart(10)} ${'RSS/conn'.padStart(10)}`,
    );
    const row = (name: string, connections: number, rssBytes: number, perConn: string) =>
      `  ${name.padEnd(28)} ${String(connections).padStart(11)} ${`${(rssBytes / 2 ** 20).toFixed(0)} MiB`.padStart(10)} ${perConn.padStart(10)}`;
    for (const node of report.nodes) {
      lines.push(
        row(
          node.node,
          node.connections,
          node.rssBytes,
          node.rssBytesPerConnection === null ? '-' : `${(node.rssBytesPerConnection / 1024).toFixed(1)} KiB`,
        ),
      );
      // A node of several worker processes: each worker's share (the balance of the port's accepts).
      if (node.processes.length > 1)
        for (const p of node.processes) lines.push(row(`  ${p.process}`, p.connections, p.rssBytes, ''));
    }
  }
  lines.push(...formatUsage(report.usage));
  if (report.connect.usage) lines.push(...formatUsage(report.connect.usage, 'connects'));
  lines.push(...formatSlowest(report.slowest));
  lines.push(...formatFloorComparison(report));
  lines.push('', `  ${'SLO'.padEnd(34)} ${'target'.padStart(16)} ${'measured'.padStart(18)}`);
  for (const slo of report.slos) {
    lines.push(
      `  ${slo.name.padEnd(34)} ${slo.target.padStart(16)} ${slo.measured.padStart(18)}  ${slo.pass ? chalk.green('pass') : chalk.red('FAIL')}`,
    );
  }
  lines.push('', report.pass ? chalk.green.bold('  all SLOs met') : chalk.red.bold('  SLO missed'));
  if (report.usage.loadBottleneck)
    lines.push(chalk.yellow.bold(`  but the load generator was the bottleneck: ${report.usage.loadBottleneck}`));
  lines.push('');
  return lines.join('\n');
}

/** The slowest deliveries, each as its hops: the step that took the time stands out. */
export function formatSlowest(slowest: TracedDelivery[]): string[] {
  if (slowest.length === 0) return [];
  const lines = ['', '  slowest deliveries, traced (+ms from the gateway receiving the send; chat-node trace <msgId>)'];
  for (const delivery of slowest) {
    const steps = traceSteps(delivery.trace);
    lines.push(
      `  ${delivery.latencyMs.toFixed(1).padStart(8)} ms  ${delivery.msgId} (${delivery.room} seq ${delivery.seq})`,
    );
    if (steps.length === 0) {
      lines.push('              no node remembers it any more');
      continue;
    }
    const first = steps[0]!.at;
    let previous = first;
    const parts = steps.map((step) => {
      const part = `${step.what.split(' (')[0]!.replace(/ from .*$/, '')} +${(step.at - first).toFixed(1)}${step.at - previous >= 10 ? ' <--' : ''}`;
      previous = step.at;
      return part;
    });
    lines.push(`              ${parts.join(', ')}`);
  }
  return lines;
}
