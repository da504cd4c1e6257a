import type { LatencyPercentiles } from '../hdr/index.js';
import type { SweepSummary } from '../runner/rate-sweep.js';
import type { SimReport } from '../runner/sim-report.js';

/** One benchmark that `npm run bench` ran: what, how, where its JSON went, and its exit status. */
export interface BenchRun {
  name: string;
  command: string;
  file: string;
  exitCode: number;
}

export interface MachineInfo {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
}

/** The shapes of the JSON the benchmarks write (sim reports, the sweep summary, `bench ... --json`). */
export type BenchResult =
  | { kind: 'sim'; report: SimReport }
  | { kind: 'sweep'; summary: SweepSummary }
  | { kind: 'latency'; ack: LatencyPercentiles; deliver: LatencyPercentiles; missing: number }
  | { kind: 'presence'; online: LatencyPercentiles; offline: LatencyPercentiles; missed: number }
  | {
      kind: 'push';
      jobs: number;
      backlog?: number;
      steadyPerSecond: number;
      outageSeconds: number;
      drainSeconds: number;
      drainPerSecond: number;
    }
  | { kind: 'unknown' };

export const SUMMARY_START =
  '<!-- bench-summary:start (written by `chat-node bench summary`; edits here are replaced) -->';
export const SUMMARY_END = '<!-- bench-summary:end -->';

/** Tells a benchmark's JSON by its fields. */
export function classifyResult(json: unknown): BenchResult {
  if (typeof json !== 'object' || json === null) return { kind: 'unknown' };
  const o = json as Record<string, unknown>;
  if ('slos' in o && 'oracle' in o) return { kind: 'sim', report: json as SimReport };
  if ('steps' in o && 'highestPassingRate' in o) return { kind: 'sweep', summary: json as SweepSummary };
  if ('ack' in o && 'deliver' in o && 'missing' in o)
    return { kind: 'latency', ...(json as Omit<Extract<BenchResult, { kind: 'latency' }>, 'kind'>) };
  if ('online' in o && 'offline' in o)
    return { kind: 'presence', ...(json as Omit<Extract<BenchResult, { kind: 'presence' }>, 'kind'>) };
  if ('steadyPerSecond' in o && 'drainSeconds' in o)
    return { kind: 'push', ...(json as Omit<Extract<BenchResult, { kind: 'push' }>, 'kind'>) };
  return { kind: 'unknown' };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n >= 1000 ? `${(n / 1000).toFixed(2)} s` : `${n.toFixed(n < 10 ? 2 : 1)} ms`);
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function simResult(report: SimReport): string {
  const { oracle, plan } = report;
  const parts = [
    `${int(oracle.acked)}/${int(oracle.planned)} sends acked, ${int(oracle.observedDeliveries)}/${int(oracle.expectedDeliveries)} deliveries`,
    `deliver p50 ${ms(report.deliver.p50)} / p99 ${ms(report.deliver.p99)}, ack p99 ${ms(report.ack.p99)}`,
    `${int(report.throughput.sentPerSec)} sent/s`,
    `oracle: ${oracle.totalViolations === 0 ? 'no violation' : `${int(oracle.totalViolations)} violations`}`,
  ];
  if (report.connect)
    parts.push(
      `${int(report.connect.devices)} devices connected in ${report.connect.seconds.toFixed(1)} s (${int(report.connect.perSecond)}/s)`,
    );
  if (report.reconnect) {
    const r = report.reconnect;
    parts.push(
      `reconnect: ${int(r.back)}/${int(r.returns)} back and synced, max ${ms(r.maxMs)} after their return (p50 ${ms(r.p50Ms)})`,
    );
  }
  for (const node of report.nodes) {
    parts.push(
      `${node.node}: ${int(node.connections)} connections${node.rssBytesPerConnection === null ? '' : `, ${kib(node.rssBytesPerConnection)} RSS each`}`,
    );
  }
  if (report.usage) parts.push(`server CPU ${report.usage.perThousand.server.toFixed(3)} s per 1,000 messages`);
  if (report.floor) {
    const { floor } = report;
    const x = (ratio: number) => `${ratio.toFixed(2)}x`;
    parts.push(
      `floor (same load, same run): deliver p50 ${ms(floor.deliver.p50)} / p99 ${ms(floor.deliver.p99)}, CPU ${floor.serverCpuPer1000.toFixed(3)} s; ratio p50 ${x(floor.ratios.deliverP50)}, p99 ${x(floor.ratios.deliverP99)}, ack p99 ${x(floor.ratios.ackP99)}, CPU ${x(floor.ratios.cpuPerMessage)}`,
    );
  }
  const missed = report.slos.filter((slo) => !slo.pass).map((slo) => `${slo.name} (${slo.measured})`);
  parts.push(missed.length === 0 ? 'every SLO met' : `missed: ${missed.join(', ')}`);
  return `${int(plan.users)} users, ${int(plan.devices)} devices: ${parts.join('; ')}`;
}

function sweepResult(summary: SweepSummary): string {
  const steps = summary.steps.map(
    (step) =>
      `${int(step.rate)}/s: p50 ${ms(step.deliverP50Ms)} / p99 ${ms(step.deliverP99Ms)}${step.floor ? ` (floor ${ms(step.floor.deliverP50Ms)} / ${ms(step.floor.deliverP99Ms)}, ${step.floor.pass ? 'pass' : 'fail'})` : ''}, ${int(step.sentPerSec)} sent/s, completeness ${step.completeness.toFixed(4)}, ${int(step.violations)} violations, ${step.pass ? 'pass' : 'fail'}`,
  );
  const highest =
    summary.highestPassingRate === null
      ? 'no rate met every SLO'
      : `highest rate meeting every SLO: ${int(summary.highestPassingRate)} msgs/s`;
  const floor =
    summary.floorHighestPassingRate === undefined
      ? ''
      : `; the floor's: ${summary.floorHighestPassingRate === null ? 'none' : `${int(summary.floorHighestPassingRate)} msgs/s`}`;
  return `${steps.join('; ')}; ${highest}${floor}`;
}

/** One line saying what a benchmark measured. */
export function describeResult(result: BenchResult): string {
  switch (result.kind) {
    case 'sim':
      return simResult(result.report);
    case 'sweep':
      return sweepResult(result.summary);
    case 'latency':
      return `ack p50 ${ms(result.ack.p50)} / p99 ${ms(result.ack.p99)}; deliver p50 ${ms(result.deliver.p50)} / p99 ${ms(result.deliver.p99)}; ${int(result.missing)} missing`;
    case 'presence':
      return `online p50 ${ms(result.online.p50)} / p99 ${ms(result.online.p99)}; offline p50 ${ms(result.offline.p50)} / p99 ${ms(result.offline.p99)}; ${int(result.missed)} missed`;
    case 'push':
      return `${int(result.steadyPerSecond)} notifications/s steady; ${int(result.backlog ?? result.jobs)} queued during a ${result.outageSeconds} s outage drained in ${result.drainSeconds.toFixed(1)} s (${int(result.drainPerSecond)}/s)`;
    case 'unknown':
      return 'unrecognised result file';
  }
}

/** The generated section: when, on what, and a row per benchmark. */
export function summarySection(
  runs: Array<{ run: BenchRun; result: BenchResult | undefined }>,
  machine: MachineInfo,
  at: Date,
): string {
  const lines = [
    SUMMARY_START,
    `## Latest \`npm run bench\` (${at.toISOString().slice(0, 16).replace('T', ' ')} UTC)`,
    '',
    `Machine: ${machine.cores} cores (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}; the cluster, its services and the load generator share it.`,
    '',
    '| benchmark | command | result | status |',
    '|---|---|---|---|',
  ];
  for (const { run, result } of runs) {
    const status = run.exitCode === 0 ? 'pass' : `fail (exit ${run.exitCode})`;
    const text = result ? describeResult(result) : `no result written (${run.file})`;
    lines.push(`| ${cell(run.name)} | \`${cell(run.command)}\` | ${cell(text)} | ${status} |`);
  }
  lines.push('', SUMMARY_END);
  return lines.join('\n');
}

/** Puts the section in place of the previous one, or after the document's first heading block. */
export function replaceSummary(doc: string, section: string): string {
  const start = doc.indexOf(SUMMARY_START);
  const end = doc.indexOf(SUMMARY_END);
  if (start >= 0 && end > start) return `${doc.slice(0, start)}${section}${doc.slice(end + SUMMARY_END.length)}`;
  const secondHeading = doc.indexOf('\n## ');
  if (secondHeading < 0) return `${doc.trimEnd()}\n\n${section}\n`;
  return `${doc.slice(0, secondHeading + 1)}${section}\n\n${doc.slice(secondHeading + 1)}`;
}
