import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Compile } from 'typebox/compile';
import { LineCounter, parseDocument } from 'yaml';
import { normalizeScenario, type Scenario } from './scenario.js';
import { FieldLocator, ScenarioError } from './scenario-error.js';
import { ScenarioSchema, type ScenarioInput } from './scenario-schema.js';
import { explainSchemaProblem } from './schema-problem.js';

const checker = Compile(ScenarioSchema) as unknown as { Check(value: unknown): boolean };

/** Reads, validates and completes a scenario file (.yaml, .yml or .json). Throws ScenarioError. */
export function loadScenario(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ScenarioError({ file: path, field: '', expected: `a readable scenario file (${reason})` });
  }
  return parseScenario(text, path);
}

/**
 * Parses scenario text; `fileName` picks the format by its extension, names the scenario
 * when it has no `name`, and prefixes every error.
 */
export function parseScenario(text: string, fileName: string): Scenario {
  const extension = extname(fileName).toLowerCase();
  let value: unknown;
  if (extension === '.json') value = parseJson(text, fileName);
  else if (extension === '.yaml' || extension === '.yml') value = parseYaml(text, fileName);
  else
    throw new ScenarioError({ file: fileName, field: '', expected: 'a scenario file ending in .yaml, .yml or .json' });

  // Lines are looked up only when something is wrong; JSON is YAML, so one locator serves both.
  let locator: FieldLocator | undefined;
  const lineOf = (field: string): number | undefined => (locator ??= new FieldLocator(text)).lineOf(field);

  if (!checker.Check(value)) {
    const problem = explainSchemaProblem(ScenarioSchema, value);
    if (!problem) throw new ScenarioError({ file: fileName, field: '', expected: 'a valid scenario' });
    throw new ScenarioError({ file: fileName, line: lineOf(problem.field), ...problem });
  }
  const defaultName = basename(fileName, extname(fileName));
  return normalizeScenario(value as ScenarioInput, defaultName, (field, expected, got) => {
    throw new ScenarioError({ file: fileName, field, line: lineOf(field), expected, got });
  });
}

function parseYaml(text: string, fileName: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  const [error] = document.errors;
  if (error) {
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new ScenarioError({
      file: fileName,
      field: '',
      line,
      expected: `valid YAML (${error.message.split('\n')[0]})`,
    });
  }
  return document.toJS({ maxAliasCount: 100 });
}

function parseJson(text: string, fileName: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    const line = position ? text.slice(0, Number(position[1])).split('\n').length : undefined;
    throw new ScenarioError({ file: fileName, field: '', line, expected: `valid JSON (${message})` });
  }
}
