import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';
import { ConfigError } from './cluster-config.js';
import { configProblems, type ConfigProblem } from './config-schema.js';
import type { SettingKey } from './settings.js';

/** A config file's settings, by key, as written (checked against the schema). */
export type ConfigFileValues = Partial<Record<SettingKey, unknown>>;

export interface ConfigFileReport {
  file: string;
  format: 'JSON' | 'YAML';
  /** The settings, when there is no problem; {} otherwise. */
  values: ConfigFileValues;
  /** Each as `FILE:LINE: what`, in the file's order. */
  problems: string[];
}

/** A config file that cannot be used: every problem in it, one a line. */
export class ConfigFileError extends ConfigError {
  readonly problems: string[];

  constructor(file: string, problems: string[]) {
    const count = problems.length === 1 ? 'a problem' : `${problems.length} problems`;
    super(`config file ${file} has ${count}:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
    this.problems = problems;
  }
}

/** The settings of a config file (`--config`, CHAT_CONFIG); throws ConfigFileError listing every problem. */
export function readConfigFile(path: string | undefined): ConfigFileValues {
  if (!path) return {};
  const report = checkConfigFile(path);
  if (report.problems.length > 0) throw new ConfigFileError(path, report.problems);
  return report.values;
}

export function checkConfigFile(path: string): ConfigFileReport {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return { file: path, format: formatOf(path, ''), values: {}, problems: [`${path}: cannot read it (${reason})`] };
  }
  return checkConfigText(text, path);
}

/**
 * Parses and checks config text: JSON when the name ends in .json (or, with another ending, the
 * text starts with `{`), else YAML.
 */
export function checkConfigText(text: string, file: string): ConfigFileReport {
  const format = formatOf(file, text);
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const report = (problems: string[], values: ConfigFileValues = {}): ConfigFileReport => ({
    file,
    format,
    values,
    problems,
  });
  let value: unknown;
  if (format === 'JSON') {
    try {
      value = JSON.parse(text);
    } catch (error) {
      const message = (error as Error).message;
      const position = /position (\d+)/.exec(message);
      const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
      return report([`${where(file, line)}: not valid JSON (${message})`]);
    }
  } else {
    if (document.errors.length > 0) {
      return report(
        document.errors.map(
          (error) =>
            `${where(file, lines.linePos(error.pos[0]).line)}: not valid YAML (${error.message.split('\n')[0]})`,
        ),
      );
    }
    value = document.toJS({ maxAliasCount: 100 });
  }
  const problems = configProblems(value);
  if (problems.length > 0)
    return report(problems.map((problem) => `${where(file, lineOf(document, lines, problem))}: ${problem.message}`));
  return report([], value ?? {});
}

function formatOf(file: string, text: string): 'JSON' | 'YAML' {
  const extension = extname(file).toLowerCase();
  if (extension === '.json') return 'JSON';
  if (extension === '.yaml' || extension === '.yml') return 'YAML';
  return text.trimStart().startsWith('{') ? 'JSON' : 'YAML';
}

function where(file: string, line: number | undefined): string {
  return line === undefined ? file : `${file}:${line}`;
}

/** The line of the problem's key (JSON is YAML too, so one parse serves both). */
function lineOf(
  document: ReturnType<typeof parseDocument>,
  lines: LineCounter,
  problem: ConfigProblem,
): number | undefined {
  let node: unknown = document.contents;
  let line: number | undefined;
  const lineAt = (at: Node | null | undefined) => (at?.range ? lines.linePos(at.range[0]).line : undefined);
  for (const key of problem.keys) {
    if (isMap(node)) {
      const pair = node.items.find((item) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === key);
      if (!pair) break;
      line = lineAt(pair.key as Node) ?? line;
      node = pair.value;
    } else if (isSeq(node)) {
      node = node.items[Number(key)];
      line = lineAt(node as Node) ?? line;
    } else {
      break;
    }
  }
  return line ?? lineAt(document.contents);
}
