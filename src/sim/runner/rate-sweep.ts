import chalk from 'chalk';
import type { SimReport } from './sim-report.js';

/** One step of a rate sweep: the rate asked for and what the run measured. */
export interface SweepStep {
  rate: number;
  sentPerSec: number;
  deliveredPerSec: number;
  deliverP50Ms: number;
  deliverP99Ms: number;
  completeness: number;
  violations: number;
  pass: boolean;
  report: string | undefined;
  /** The floor's run of the same step (`sim --floor`). */
  floor?: { sentPerSec: number; deliverP50Ms: number; deliverP99Ms: number; pass: boolean };
}

export interface SweepSummary {
  scenario: string;
  steps: SweepStep[];
  /** The highest rate whose run met every SLO (and every lower rate's did too), or null. */
  highestPassingRate: number | null;
  /** The same for the floor's runs, when the sweep ran it too. */
  floorHighestPassingRate?: number | null;
}

/** "1000,2000,4000" -> [1000, 2000, 4000]; throws on anything that is not a list of positive integers. */
export function parseRates(text: string): number[] {
  const rates = text.split(',').map((part) => part.trim());
  if (rates.some((rate) => !/^[1-9][0-9]*$/.test(rate)))
    throw new Error(`--rate takes msgs/s as a positive integer or a comma-separated list of them, got "${text}"`);
  return rates.map(Number);
}

export function sweepStep(rate: number, report: SimReport, reportPath: string | undefined): SweepStep {
  const step: SweepStep = {
    rate,
    sentPerSec: report.throughput.sentPerSec,
    deliveredPerSec: report.throughput.deliveredPerSec,
    deliverP50Ms: report.deliver.p50,
    deliverP99Ms: report.deliver.p99,
    completeness: report.oracle.completeness,
    violations: report.oracle.totalViolations,
    pass: report.pass,
    report: reportPath,
  };
  if (report.floor) {
    const { floor } = report;
    step.floor = {
      sentPerSec: floor.sentPerSec,
      deliverP50Ms: floor.deliver.p50,
      deliverP99Ms: floor.deliver.p99,
      pass: floor.pass,
    };
  }
  return step;
}

/** Steps in the order run (ascending rates): the sweep holds up to the first failing step. */
export function summarizeSweep(scenario: string, steps: SweepStep[]): SweepSummary {
  const highest = (passed: (step: SweepStep) => boolean): number | null => {
    let rate: number | null = null;
    for (const step of [...steps].sort((a, b) => a.rate - b.rate)) {
      if (!passed(step)) break;
      rate = step.rate;
    }
    return rate;
  };
  const summary: SweepSummary = { scenario, steps, highestPassingRate: highest((step) => step.pass) };
  if (steps.some((step) => step.floor)) summary.floorHighestPassingRate = highest((step) => step.floor?.pass ?? false);
  return summary;
}

export function formatSweep(summary: SweepSummary): string {
  const withFloor = summary.floorHighestPassingRate !== undefined;
  const floorHeader = withFloor
    ? ` ${'floor p50'.padStart(10)} ${'floor p99'.padStart(10)} ${'p50 x'.padStart(6)} ${'p99 x'.padStart(6)}`
    : '';
  const lines = [
    '',
    chalk.bold(`rate sweep of ${summary.scenario}`),
    `  ${'rate'.padStart(7)} ${'sent/s'.padStart(8)} ${'deliv/s'.padStart(8)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'complete'.padStart(9)} ${'violations'.padStart(10)}${floorHeader}`,
  ];
  const times = (ours: number, floor: number) => (floor > 0 ? `${(ours / floor).toFixed(1)}x` : '-');
  for (const step of summary.steps) {
    const floor = step.floor
      ? ` ${`${step.floor.deliverP50Ms.toFixed(2)} ms`.padStart(10)} ${`${step.floor.deliverP99Ms.toFixed(1)} ms`.padStart(10)} ${times(step.deliverP50Ms, step.floor.deliverP50Ms).padStart(6)} ${times(step.deliverP99Ms, step.floor.deliverP99Ms).padStart(6)}`
      : withFloor
        ? ` ${'-'.padStart(10)} ${'-'.padStart(10)} ${'-'.padStart(6)} ${'-'.padStart(6)}`
        : '';
    lines.push(
      `  ${String(step.rate).padStart(7)} ${step.sentPerSec.toFixed(0).padStart(8)} ${step.deliveredPerSec.toFixed(0).padStart(8)} ${`${step.deliverP50Ms.toFixed(2)} ms`.padStart(9)} ${`${step.deliverP99Ms.toFixed(1)} ms`.padStart(9)} ${step.completeness.toFixed(4).padStart(9)} ${String(step.violations).padStart(10)}${floor}  ${step.pass ? chalk.green('pass') : chalk.red('FAIL')}`,
    );
  }
  lines.push(
    '',
    summary.highestPassingRate === null
      ? chalk.red.bold('  no rate met the SLOs')
      : chalk.green.bold(`  highest rate meeting every SLO: ${summary.highestPassingRate} msgs/s`),
  );
  if (withFloor) {
    const floor = summary.floorHighestPassingRate;
    lines.push(
      `  the floor's highest rate meeting every SLO: ${floor === null ? 'none' : `${floor} msgs/s`}${floor && summary.highestPassingRate ? ` (chat-node carries ${((summary.highestPassingRate / floor) * 100).toFixed(0)}% of it)` : ''}`,
    );
  }
  lines.push('');
  return lines.join('\n');
}
