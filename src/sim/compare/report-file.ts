import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import type { SweepStep, SweepSummary } from '../runner/rate-sweep.js';
import { REPORT_FORMAT_VERSION } from '../runner/run-metadata.js';
import type { SimReport } from '../runner/sim-report.js';

/**
 * Reading `chat-node sim --out` files for comparing and merging: a run's report, or a rate
 * sweep's summary with its steps' reports. Reports of every format so far are read; the
 * sections added later are optional here.
 */

/** A report as found on disk: format 1 has no formatVersion, meta, timeline or histograms. */
export type StoredReport = Omit<SimReport, 'formatVersion' | 'timeline' | 'histograms'> &
  Partial<Pick<SimReport, 'formatVersion' | 'timeline' | 'histograms'>>;

export interface RunFile {
  kind: 'run';
  path: string;
  report: StoredReport;
  /** formatVersion, 1 when absent. */
  format: number;
}

export interface SweepFile {
  kind: 'sweep';
  path: string;
  summary: SweepSummary;
  /** Each step's own report by rate, where it could be read (else its summary row is all there is). */
  steps: Map<number, RunFile | undefined>;
}

export type ReportFile = RunFile | SweepFile;

/** A file that cannot be compared or merged: missing, not JSON, not a report, too new. */
export class ReportFileError extends Error {
  override name = 'ReportFileError';
}

export function readReportFile(path: string): ReportFile {
  const json = readJson(path);
  if (isSweep(json)) {
    const steps = new Map<number, RunFile | undefined>();
    for (const step of json.steps) steps.set(step.rate, stepReport(path, step));
    return { kind: 'sweep', path, summary: json, steps };
  }
  return runFile(path, json);
}

function runFile(path: string, json: unknown): RunFile {
  if (!isReport(json)) {
    throw new ReportFileError(
      `${path}: not a chat-node sim report or sweep summary (a report has scenario, deliver, oracle; a sweep summary has steps)`,
    );
  }
  const format = json.formatVersion ?? 1;
  if (!Number.isInteger(format) || format < 1)
    throw new ReportFileError(`${path}: formatVersion ${String(json.formatVersion)} is not a report format`);
  if (format > REPORT_FORMAT_VERSION) {
    throw new ReportFileError(
      `${path}: report format ${format} is newer than this chat-node reads (up to ${REPORT_FORMAT_VERSION}): update chat-node`,
    );
  }
  return { kind: 'run', path, report: json, format };
}

function readJson(path: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ReportFileError(
      code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read it (${(error as Error).message})`,
    );
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ReportFileError(`${path}: not JSON (${(error as Error).message})`);
  }
}

/**
 * A sweep step's report: the path the summary names (relative to where the sweep ran), else the
 * same file name next to the summary (a results folder copied elsewhere). Undefined when
 * neither is there or it is not a report.
 */
function stepReport(summaryPath: string, step: SweepStep): RunFile | undefined {
  if (!step.report) return undefined;
  const candidates = isAbsolute(step.report)
    ? [step.report]
    : [step.report, join(dirname(summaryPath), basename(step.report))];
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) return undefined;
  try {
    return runFile(found, readJson(found));
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isReport(json: unknown): json is StoredReport {
  return (
    isObject(json) &&
    typeof json.scenario === 'string' &&
    isObject(json.deliver) &&
    typeof json.deliver.p50 === 'number' &&
    isObject(json.oracle)
  );
}

function isSweep(json: unknown): json is SweepSummary {
  return (
    isObject(json) &&
    typeof json.scenario === 'string' &&
    Array.isArray(json.steps) &&
    'highestPassingRate' in json &&
    json.steps.every((step) => isObject(step) && typeof step.rate === 'number')
  );
}
