import chalk from 'chalk';
import type { FigureUnit } from './report-figures.js';
import { clusterText, type Comparison, type ComparisonRow, type ReportSide } from './report-comparison.js';

/** `chat-node sim compare`'s table, for people: within 80 columns. */

const WIDTH = 80;
const NAME = 22;
const VALUE = 12;
const PCT = 9;

export function formatComparison(comparison: Comparison): string {
  const lines: string[] = ['', ...sideLines('A', comparison.a), ...sideLines('B', comparison.b)];
  if (comparison.notes.length > 0) {
    lines.push('');
    for (const note of comparison.notes) lines.push(...wrap(`note: ${note}`, '  ', '        '));
  }
  const header = `  ${''.padEnd(NAME)}${'A'.padStart(VALUE)}${'B'.padStart(VALUE)}${'change'.padStart(VALUE)}${'%'.padStart(PCT)}`;
  let step: number | undefined;
  let section: string | undefined;
  for (const row of comparison.rows) {
    if (row.step !== step || section === undefined) {
      step = row.step;
      section = undefined;
      lines.push('');
      if (step !== undefined) lines.push(chalk.bold(`== step ${step} msgs/s ==`));
      lines.push(chalk.dim(header));
    }
    if (row.section !== section) {
      section = row.section;
      lines.push(chalk.bold(section));
    }
    lines.push(rowLine(row));
  }
  lines.push('', ...verdictLines(comparison), '');
  return lines.join('\n');
}

function sideLines(label: 'A' | 'B', side: ReportSide): string[] {
  const lines = [`${label}: ${side.path}`];
  if (side.kind === 'sweep') return [...lines, `   rate sweep of ${side.scenario}`];
  const when = side.startedAt ? side.startedAt.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, ' UTC') : 'unknown time';
  const parts = [`${side.scenario}, run ${side.runId ?? '?'}`, when, `${(side.durationSec ?? 0).toFixed(1)} s`];
  const meta = side.meta;
  if (meta) {
    const commit = meta.chatNode.commit;
    parts.push(
      commit ? `commit ${commit.hash}${commit.dirty ? ' (dirty)' : ''}` : `chat-node ${meta.chatNode.version}`,
    );
    parts.push(`Node ${meta.node}`, clusterText(meta));
  } else if (side.mergedRuns !== undefined) {
    parts.push(`a merge of ${side.mergedRuns} runs`);
  } else {
    parts.push(`report format ${side.format ?? 1}`);
  }
  return [...lines, ...wrap(parts.join(', '), '   ', '   ')];
}

function rowLine(row: ComparisonRow): string {
  const name = row.name.length > NAME - 2 ? `${row.name.slice(0, NAME - 3)}…` : row.name;
  const pct = row.changePct === null ? '-' : `${row.changePct > 0 ? '+' : ''}${row.changePct.toFixed(1)}%`;
  const line = `  ${`  ${name}`.padEnd(NAME)}${cell(row.a, row.unit).padStart(VALUE)}${cell(row.b, row.unit).padStart(VALUE)}${changeCell(row).padStart(VALUE)}${pct.padStart(PCT)}`;
  if (row.regression) return `${line} ${chalk.red.bold('worse')}`;
  if (row.improvement) return `${line} ${chalk.green('better')}`;
  return line;
}

function verdictLines(comparison: Comparison): string[] {
  const rule = `threshold ${comparison.thresholdPct}% on latency, throughput, CPU and memory; any drop in completeness, any rise in violations`;
  if (comparison.regressions === 0) return wrap(chalk.green.bold(`no regression (${rule})`), '', '  ');
  // Grouped by section: "deliver (p50 p99), hop commit (p99)".
  const groups = new Map<string, string[]>();
  for (const row of comparison.rows) {
    if (!row.regression) continue;
    const group = `${row.step !== undefined ? `${row.step}/s ` : ''}${row.section.replace(/ \(.*\)$/, '')}`;
    groups.set(group, [...(groups.get(group) ?? []), row.name]);
  }
  const named = [...groups].map(([group, names]) => `${group} (${names.join(', ')})`);
  return [
    ...wrap(
      chalk.red.bold(
        `${comparison.regressions} regression${comparison.regressions === 1 ? '' : 's'}: ${named.join(', ')}`,
      ),
      '',
      '  ',
    ),
    ...wrap(`(${rule})`, '', ' '),
  ];
}

/** A figure in its unit, as short as it reads well. */
export function cell(value: number | null, unit: FigureUnit): string {
  if (value === null) return '-';
  return `${magnitude(value, unit)}${suffix(value, unit)}`;
}

function changeCell(row: ComparisonRow): string {
  if (row.change === null) return '-';
  const sign = row.change > 0 ? '+' : row.change < 0 ? '-' : '';
  return `${sign}${cell(Math.abs(row.change), row.unit)}`;
}

function magnitude(value: number, unit: FigureUnit): string {
  switch (unit) {
    case 'ms':
      return Math.abs(value) >= 1000 ? (value / 1000).toFixed(2) : value.toFixed(Math.abs(value) < 10 ? 2 : 1);
    case 'per-s':
      return value.toLocaleString('en-US', { maximumFractionDigits: Math.abs(value) < 100 ? 1 : 0 });
    case 'cpu-s':
      return value.toFixed(3);
    case 'KiB':
      return value.toFixed(1);
    case 'ratio':
      return value.toFixed(2);
    case 'share':
      return value.toFixed(6);
    case 'count':
      return value.toLocaleString('en-US', { maximumFractionDigits: 0 });
  }
}

function suffix(value: number, unit: FigureUnit): string {
  switch (unit) {
    case 'ms':
      return Math.abs(value) >= 1000 ? ' s' : ' ms';
    case 'per-s':
      return '/s';
    case 'cpu-s':
      return ' s';
    case 'KiB':
      return ' KiB';
    case 'ratio':
      return 'x';
    default:
      return '';
  }
}

/** Words of `text` in lines of at most 80 columns (colour codes do not count). */
function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const visible = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '').length;
  for (const word of text.split(' ')) {
    if (!empty && visible(line) + 1 + visible(word) > WIDTH) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}
