import { spawnSync } from 'node:child_process';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { documentedMetrics } from './metrics-doc.js';

/** A metric named in a PromQL expression, with the labels its matchers use. */
export interface Selector {
  metric: string;
  labels: string[];
}

/** The metric names, their matchers' labels, and the labels of by/without/on/ignoring/group_* clauses. */
export interface ExpressionReferences {
  selectors: Selector[];
  groupings: string[];
}

const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'inf',
  'nan',
]);
const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g;
const GROUPING = /\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g;
const IDENTIFIER = /(?<![\w.:$])([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?\s*(\()?/g;
const MATCHER_LABEL = /([a-zA-Z_]\w*)\s*(?:=~|!~|!=|=)/g;

/**
 * What a PromQL expression refers to, read without a full parser (promtool checks the syntax):
 * strings, ranges and numbers are dropped, grouping clauses read, and every identifier left that
 * is not a function call or a keyword is a metric name.
 */
export function referencesOf(expr: string): ExpressionReferences {
  let text = expr
    .replace(STRING, '""')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\boffset\s+\S+/g, ' ');
  const groupings: string[] = [];
  text = text.replace(GROUPING, (_, labels: string) => {
    groupings.push(
      ...labels
        .split(',')
        .map((label) => label.trim())
        .filter((label) => label.length > 0),
    );
    return ' ';
  });
  text = text.replace(/(?<![\w.])\d+(?:\.\d+)?(?:e[+-]?\d+)?/gi, ' ');
  const selectors: Selector[] = [];
  for (const match of text.matchAll(IDENTIFIER)) {
    const [, name, matchers, call] = match;
    if (call || KEYWORDS.has(name!.toLowerCase())) continue;
    selectors.push({ metric: name!, labels: [...(matchers ?? '').matchAll(MATCHER_LABEL)].map((label) => label[1]!) });
  }
  return { selectors, groupings };
}

/** A metric a dashboard or rule may use: chat-node's (docs/metrics.md), prom-client's defaults, Prometheus's `up`. */
export interface KnownMetric {
  type: string;
  labels: Set<string>;
}

/** Labels Prometheus gives every scraped series (job, instance) and chat-node every one of its own (role, node). */
const SCRAPE_LABELS = ['job', 'instance', 'role', 'node'];

export function knownMetrics(): Map<string, KnownMetric> {
  const known = new Map<string, KnownMetric>();
  for (const [name, row] of documentedMetrics())
    known.set(name, { type: row.type, labels: new Set([...row.labels, ...SCRAPE_LABELS]) });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const metric of registry.getMetricsAsArray()) {
    const own = (metric as { labelNames?: readonly string[] }).labelNames ?? [];
    // prom-client types `type` as a numeric enum; it is the text of the TYPE line.
    known.set(metric.name, { type: String(metric.type), labels: new Set([...own, ...SCRAPE_LABELS]) });
  }
  // A target's health, with the labels its targets file gives it (ops/prometheus/prometheus.yml).
  known.set('up', { type: 'gauge', labels: new Set(SCRAPE_LABELS) });
  return known;
}

/** The known metric a series name belongs to (a histogram's _bucket, _sum and _count series are its own). */
export function resolveSeries(
  name: string,
  known: Map<string, KnownMetric>,
): { metric: KnownMetric; labels: Set<string> } | undefined {
  const exact = known.get(name);
  if (exact) return { metric: exact, labels: exact.labels };
  const suffix = /_(bucket|sum|count)$/.exec(name);
  const base = suffix ? known.get(name.slice(0, suffix.index)) : undefined;
  if (!base || (base.type !== 'histogram' && base.type !== 'summary')) return undefined;
  return { metric: base, labels: suffix![1] === 'bucket' ? new Set([...base.labels, 'le']) : base.labels };
}

/** What is wrong with the metrics and labels one expression refers to (empty: nothing). */
export function unknownReferences(expr: string, known: Map<string, KnownMetric>): string[] {
  const { selectors, groupings } = referencesOf(expr);
  const problems: string[] = [];
  const available = new Set<string>();
  if (selectors.length === 0) problems.push('names no metric');
  for (const selector of selectors) {
    const series = resolveSeries(selector.metric, known);
    if (!series) {
      problems.push(`${selector.metric} is no chat_* metric of docs/metrics.md, prom-client default metric or up`);
      continue;
    }
    for (const label of series.labels) available.add(label);
    for (const label of selector.labels)
      if (!series.labels.has(label)) problems.push(`${selector.metric} has no label ${label}`);
  }
  for (const label of groupings)
    if (!available.has(label)) problems.push(`no metric of the expression has the label ${label} it groups by`);
  return problems;
}

/** Runs promtool; fails clearly when it is missing (CI installs Debian's prometheus package: .ci/run). */
export function promtool(args: string[], cwd?: string): { status: number | null; output: string } {
  const run = spawnSync('promtool', args, { cwd, encoding: 'utf8' });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? "promtool not found: install Debian's prometheus package (apt-get install -y prometheus), as .ci/run does"
        : `promtool: ${run.error.message}`,
    );
  }
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}
