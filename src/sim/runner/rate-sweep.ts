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
}

export interface SweepSummary {
  scenario: string;
  steps: SweepStep[];
  /** The highest rate whose run met every SLO (and every lower rate's did too), or null. */
  highestPassingRate: number | null;
}

/** "1000,2000,4000" -> [1000, 2000, 4000]; throws on anything that is not a list of positive integers. */
export function parseRates(text: string): number[] {
  const rates = text.split(',').map((part) => part.trim());
  if (rates.some((rate) => !/^[1-9][0-9]*$/.test(rate))) throw new Error(`--rate takes msgs/s as a positive integer or a comma-separated list of them, got "${text}"`);
  return rates.map(Number);
}

export function sweepStep(rate: number, report: SimReport, reportPath: string | undefined): SweepStep {
  return {
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
}

/** Steps in the order run (ascending rates): the sweep holds up to the first failing step. */
export function summarizeSweep(scenario: string, steps: SweepStep[]): SweepSummary {
  let highestPassingRate: number | null = null;
  for (const step of [...steps].sort((a, b) => a.rate - b.rate)) {
    if (!step.pass) break;
    highestPassingRate = step.rate;
  }
  return { scenario, steps, highestPassingRate };
}

export function formatSweep(summary: SweepSummary): string {
  const lines = [
    '',
    chalk.bold(`rate sweep of ${summary.scenario}`),
    `  ${'rate'.padStart(7)} ${'sent/s'.padStart(8)} ${'deliv/s'.padStart(8)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'complete'.padStart(9)} ${'violations'.padStart(10)}`,
  ];
  for (const step of summary.steps) {
    lines.push(
      `  ${String(step.rate).padStart(7)} ${step.sentPerSec.toFixed(0).padStart(8)} ${step.deliveredPerSec.toFixed(0).padStart(8)} ${`${step.deliverP50Ms.toFixed(2)} ms`.padStart(9)} ${`${step.deliverP99Ms.toFixed(1)} ms`.padStart(9)} ${step.completeness.toFixed(4).padStart(9)} ${String(step.violations).padStart(10)}  ${step.pass ? chalk.green('pass') : chalk.red('FAIL')}`,
    );
  }
  lines.push(
    '',
    summary.highestPassingRate === null
      ? chalk.red.bold('  no rate met the SLOs')
      : chalk.green.bold(`  highest rate meeting every SLO: ${summary.highestPassingRate} msgs/s`),
    '',
  );
  return lines.join('\n');
}
