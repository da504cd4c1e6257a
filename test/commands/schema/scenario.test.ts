import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import SchemaScenario from '../../../src/commands/schema/scenario.js';
import { runCommand } from '../../support/run-command.js';

const CHECKED_IN = readFileSync(new URL('../../../docs/schemas/scenario.schema.json', import.meta.url), 'utf8');

describe('schema scenario', () => {
  it('prints the JSON Schema that docs/schemas/scenario.schema.json keeps, and nothing else', async () => {
    const run = await runCommand(SchemaScenario, []);
    expect(run).toEqual({ code: 0, stdout: CHECKED_IN, stderr: '' });
  });

  it('refuses an argument with exit 2', async () => {
    const run = await runCommand(SchemaScenario, ['scenarios/smoke.yaml']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Unexpected argument/);
    expect(run.stdout).toBe('');
  });
});
