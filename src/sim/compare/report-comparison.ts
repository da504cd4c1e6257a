import type { RunMetadata } from '../runner/run-metadata.js';
import {
  commonSources,
  runFigures,
  sourcesOf,
  stepSummaryFigures,
  type Figure,
  type FigureRule,
  type FigureUnit,
} from './report-figures.js';
import { ReportFileError, type ReportFile, type RunFile } from './report-file.js';

/**
 * Two reports side by side: every figure both could have, its change, and whether the change is
 * a regression (B worse than A beyond the threshold for its kind). Pure.
 */

/** Latency, throughput, CPU and memory changes within this (%) are noise (default of --threshold). */
export const DEFAULT_THRESHOLD_PCT = 10;

export interface ComparisonRow {
  /** The sweep step's rate (msgs/s), for sweep summaries. */
  step?: number;
  section: string;
  name: string;
  unit: FigureUnit;
  rule: FigureRule;
  a: number | null;
  b: number | null;
  /** b - a, and that over a in %; null where a figure is missing (or a is 0, for the %). */
  change: number | null;
  changePct: number | null;
  regression: boolean;
  /** Better beyond the threshold (shown; it does not change the exit status). */
  improvement: boolean;
}

export interface ReportSide {
  path: string;
  scenario: string;
  kind: 'run' | 'sweep';
  runId?: string;
  startedAt?: string;
  durationSec?: number;
  /** The report format (1: before histograms and metadata). */
  format?: number;
  meta?: RunMetadata;
  /** Runs a merged report was made of (`chat-node sim merge`). */
  mergedRuns?: number;
}

export interface Comparison {
  a: ReportSide;
  b: ReportSide;
  thresholdPct: number;
  /** What differs between the runs besides their figures, and where figures came from. */
  notes: string[];
  rows: ComparisonRow[];
  regressions: number;
}

/** Compares B with A. Throws ReportFileError when they cannot be compared (a run with a sweep). */
export function compareReports(a: ReportFile, b: ReportFile, thresholdPct = DEFAULT_THRESHOLD_PCT): Comparison {
  if (a.kind !== b.kind) {
    const [run, sweep] = a.kind === 'run' ? [a, b] : [b, a];
    throw new ReportFileError(
      `${sweep.path} is a rate sweep's summary and ${run.path} one run's report: compare a step's report (<name>-<rate>.json) with the run, or two sweeps`,
    );
  }
  const notes: string[] = [];
  const scenarioA = a.kind === 'run' ? a.report.scenario : a.summary.scenario;
  const scenarioB = b.kind === 'run' ? b.report.scenario : b.summary.scenario;
  if (scenarioA !== scenarioB)
    notes.push(`different scenarios: A ran ${scenarioA}, B ran ${scenarioB} (compared anyway)`);
  const rows: ComparisonRow[] = [];
  if (a.kind === 'run' && b.kind === 'run') {
    notes.push(...runNotes(a, b));
    rows.push(...judgeAll(pairFigures(a, b), thresholdPct));
  } else if (a.kind === 'sweep' && b.kind === 'sweep') {
    const rates = [...new Set([...a.steps.keys(), ...b.steps.keys()])].sort((x, y) => x - y);
    for (const rate of rates) {
      const stepA = a.summary.steps.find((step) => step.rate === rate);
      const stepB = b.summary.steps.find((step) => step.rate === rate);
      if (!stepA || !stepB) {
        notes.push(`step ${rate} msgs/s is only in ${stepA ? 'A' : 'B'}: not compared`);
        continue;
      }
      const reportA = a.steps.get(rate);
      const reportB = b.steps.get(rate);
      let figures: Array<[Figure, Figure | undefined]>;
      if (reportA && reportB) {
        for (const note of runNotes(reportA, reportB)) if (!notes.includes(note)) notes.push(note);
        figures = pairFigures(reportA, reportB);
      } else {
        notes.push(
          `step ${rate} msgs/s: ${reportA ? 'B' : 'A'}'s step report was not found: compared on the sweep summary's figures`,
        );
        const others = stepSummaryFigures(stepB);
        figures = stepSummaryFigures(stepA).map((figure, i) => [figure, others[i]]);
      }
      rows.push(...judgeAll(figures, thresholdPct).map((row) => ({ step: rate, ...row })));
    }
  }
  return {
    a: sideOf(a),
    b: sideOf(b),
    thresholdPct,
    notes,
    rows,
    regressions: rows.filter((row) => row.regression).length,
  };
}

/** Whether B's figure is worse than A's beyond what the figure's rule allows. */
export function isRegression(rule: FigureRule, a: number | null, b: number | null, thresholdPct: number): boolean {
  if (a === null || b === null) return false;
  switch (rule) {
    case 'lower':
      // A zero baseline was not measured (no /metrics, an empty histogram): no relative change to judge.
      return a > 0 && b > a * (1 + thresholdPct / 100);
    case 'higher':
      return a > 0 && b < a * (1 - thresholdPct / 100);
    case 'no-drop':
      return b < a - 1e-12;
    case 'no-rise':
      return b > a;
    case 'info':
      return false;
  }
}

function isImprovement(rule: FigureRule, a: number | null, b: number | null, thresholdPct: number): boolean {
  if (a === null || b === null) return false;
  switch (rule) {
    case 'lower':
      return b < a * (1 - thresholdPct / 100);
    case 'higher':
      return a > 0 && b > a * (1 + thresholdPct / 100);
    case 'no-drop':
      return b > a + 1e-12;
    case 'no-rise':
      return b < a;
    case 'info':
      return false;
  }
}

/** A's figures with B's of the same section and name (B's own extra figures after, without A). */
function pairFigures(a: RunFile, b: RunFile): Array<[Figure, Figure | undefined]> {
  const sources = commonSources(sourcesOf(a.report), sourcesOf(b.report));
  const figuresA = runFigures(a.report, sources);
  const figuresB = runFigures(b.report, sources);
  const key = (figure: Figure) => `${figure.section}\u0000${figure.name}`;
  const byKey = new Map(figuresB.map((figure) => [key(figure), figure]));
  const pairs: Array<[Figure, Figure | undefined]> = figuresA.map((figure) => [figure, byKey.get(key(figure))]);
  const inA = new Set(figuresA.map(key));
  for (const figure of figuresB) if (!inA.has(key(figure))) pairs.push([{ ...figure, value: null }, figure]);
  return pairs;
}

function judgeAll(pairs: Array<[Figure, Figure | undefined]>, thresholdPct: number): ComparisonRow[] {
  return pairs.map(([figureA, figureB]) => {
    const a = figureA.value;
    const b = figureB?.value ?? null;
    const change = a === null || b === null ? null : b - a;
    const changePct =
      change === null || a === null ? null : a === 0 ? (b === 0 ? 0 : null) : (change / Math.abs(a)) * 100;
    return {
      section: figureA.section,
      name: figureA.name,
      unit: figureA.unit,
      rule: figureA.rule,
      a,
      b,
      change,
      changePct,
      regression: isRegression(figureA.rule, a, b, thresholdPct),
      improvement: isImprovement(figureA.rule, a, b, thresholdPct),
    };
  });
}

/** Where the two runs differ besides their figures, and which figures could not come from histograms. */
function runNotes(a: RunFile, b: RunFile): string[] {
  const notes: string[] = [];
  const sides = (lacking: (file: RunFile) => boolean) => {
    const [inA, inB] = [lacking(a), lacking(b)];
    return inA && inB
      ? 'neither A nor B has'
      : inA
        ? `A (format ${a.format}) has no`
        : inB
          ? `B (format ${b.format}) has no`
          : undefined;
  };
  const withoutHistograms = sides((file) => !file.report.histograms);
  if (withoutHistograms)
    notes.push(
      `${withoutHistograms} histograms (reports from before format 2): latencies are compared on the reports' summary figures, hops on their rows`,
    );
  const withoutMeta = sides((file) => !file.report.meta && !file.report.merged);
  if (withoutMeta)
    notes.push(`${withoutMeta} metadata (commit, machine, cluster, scenario hash): the runs' setups are not checked`);
  const metaA = a.report.meta;
  const metaB = b.report.meta;
  if (metaA && metaB) {
    if (metaA.scenario.sha256 !== metaB.scenario.sha256)
      notes.push(
        `the scenario files differ (sha256 ${short(metaA.scenario.sha256)} and ${short(metaB.scenario.sha256)})`,
      );
    if (JSON.stringify(metaA.options) !== JSON.stringify(metaB.options))
      notes.push(`the options differ: A ${optionsText(metaA)}; B ${optionsText(metaB)}`);
    if (clusterText(metaA) !== clusterText(metaB))
      notes.push(`the clusters differ: A ${clusterText(metaA)}; B ${clusterText(metaB)}`);
    if (machineText(metaA) !== machineText(metaB))
      notes.push(`the machines differ: A ${machineText(metaA)}; B ${machineText(metaB)}`);
    if (metaA.node !== metaB.node) notes.push(`Node differs: A ${metaA.node}, B ${metaB.node}`);
  }
  return notes;
}

function sideOf(file: ReportFile): ReportSide {
  if (file.kind === 'sweep') return { path: file.path, scenario: file.summary.scenario, kind: 'sweep' };
  const { report } = file;
  const side: ReportSide = {
    path: file.path,
    scenario: report.scenario,
    kind: 'run',
    runId: report.runId,
    startedAt: report.startedAt,
    durationSec: report.durationSec,
    format: file.format,
  };
  if (report.meta) side.meta = report.meta;
  if (report.merged) side.mergedRuns = report.merged.parts.length;
  return side;
}

const short = (hash: string | null) => (hash === null ? 'unknown' : `${hash.slice(0, 12)}…`);

export function clusterText(meta: RunMetadata): string {
  const cluster = meta.cluster;
  switch (cluster.kind) {
    case 'local-dev':
      return 'local chat-node dev';
    case 'local-cluster':
      return `local cluster, ${cluster.gateways} gateway(s) x ${cluster.gatewayWorkers} worker(s), ${cluster.fanouts} fan-out(s)`;
    case 'floor':
      return 'the floor';
    case 'external':
      return cluster.urls.join(', ');
  }
}

export function machineText(meta: RunMetadata): string {
  const m = meta.machine;
  return `${m.cpus} x ${m.cpuModel}, ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, ${m.os} ${m.kernel}`;
}

function optionsText(meta: RunMetadata): string {
  const o = meta.options;
  const parts = [o.rate !== undefined ? `rate ${o.rate}` : 'scenario rate', `push policy ${o.pushPolicy}`];
  if (o.processes !== undefined) parts.push(`${o.processes} load processes`);
  if (o.transport !== undefined) parts.push(`transport ${o.transport}`);
  if (o.floor) parts.push('with the floor');
  return parts.join(', ');
}
