import chalk from 'chalk';
import type { LatencyPercentiles } from '../hdr/index.js';
import type { FloorRatios } from '../scenario/index.js';
import type { SimReport, SloResult } from './sim-report.js';

/**
 * chat-node's run beside the bare pipeline's run of the same scenario in the same command (the
 * floor: docs/benchmarks.md). Absolute times on a shared machine drift 2-5x between runs; the
 * ratio to a floor measured minutes apart on the same machine is the figure that holds.
 */
export interface FloorComparison {
  /** Where the floor's own report went, if written. */
  report?: string;
  deliver: LatencyPercentiles;
  ack: LatencyPercentiles;
  /** The floor's CPU seconds per 1,000 messages: its processes plus Postgres, NATS and Redis. */
  serverCpuPer1000: number;
  sentPerSec: number;
  pass: boolean;
  /** chat-node's figure over the floor's. */
  ratios: { deliverP50: number; deliverP99: number; ackP99: number; cpuPerMessage: number };
}

const ratio = (ours: number, floor: number) => (floor > 0 ? ours / floor : Number.POSITIVE_INFINITY);

/** The report with its floor comparison and the scenario's `slo.vsFloor` objectives checked. */
export function compareWithFloor(
  report: SimReport,
  floor: SimReport,
  limits: FloorRatios | undefined,
  floorReportPath?: string,
): SimReport {
  const comparison: FloorComparison = {
    deliver: floor.deliver,
    ack: floor.ack,
    serverCpuPer1000: floor.usage.perThousand.server,
    sentPerSec: floor.throughput.sentPerSec,
    pass: floor.pass,
    ratios: {
      deliverP50: ratio(report.deliver.p50, floor.deliver.p50),
      deliverP99: ratio(report.deliver.p99, floor.deliver.p99),
      ackP99: ratio(report.ack.p99, floor.ack.p99),
      cpuPerMessage: ratio(report.usage.perThousand.server, floor.usage.perThousand.server),
    },
  };
  if (floorReportPath) comparison.report = floorReportPath;
  const slos: SloResult[] = [...report.slos];
  const check = (name: string, limit: number | undefined, measured: number) => {
    if (limit === undefined) return;
    slos.push({ name, target: `<= ${limit}x floor`, measured: `${measured.toFixed(2)}x`, pass: measured <= limit });
  };
  check('deliver p50 vs floor', limits?.deliverP50, comparison.ratios.deliverP50);
  check('deliver p99 vs floor', limits?.deliverP99, comparison.ratios.deliverP99);
  check('ack p99 vs floor', limits?.ackP99, comparison.ratios.ackP99);
  check('server CPU per message vs floor', limits?.cpuPerMessage, comparison.ratios.cpuPerMessage);
  return { ...report, floor: comparison, slos, pass: slos.every((slo) => slo.pass) };
}

/** chat-node beside the floor, for people. */
export function formatFloorComparison(report: SimReport): string[] {
  const floor = report.floor;
  if (!floor) return [];
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : '-');
  const row = (what: string, ours: string, theirs: string, times: number) =>
    `  ${what.padEnd(26)} ${ours.padStart(12)} ${theirs.padStart(12)} ${x(times).padStart(8)}`;
  return [
    '',
    chalk.bold('  chat-node beside the floor (the bare pipeline, same load, same machine, same command)'),
    `  ${''.padEnd(26)} ${'chat-node'.padStart(12)} ${'floor'.padStart(12)} ${'ratio'.padStart(8)}`,
    row('deliver p50', ms(report.deliver.p50), ms(floor.deliver.p50), floor.ratios.deliverP50),
    row('deliver p99', ms(report.deliver.p99), ms(floor.deliver.p99), floor.ratios.deliverP99),
    row('ack p99', ms(report.ack.p99), ms(floor.ack.p99), floor.ratios.ackP99),
    row(
      'server CPU s / 1k msgs',
      report.usage.perThousand.server.toFixed(3),
      floor.serverCpuPer1000.toFixed(3),
      floor.ratios.cpuPerMessage,
    ),
  ];
}
