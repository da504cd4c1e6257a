import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCENARIO_DEFAULTS, scenarioFieldPaths } from '../../../src/sim/scenario/index.js';

/** Keeps docs/scenarios.md in step with the scenario schema: every field has a row in a field table. */
const doc = readFileSync(new URL('../../../docs/scenarios.md', import.meta.url), 'utf8');

/** Field name -> the row's cells, from every table whose first column is `field`. */
function fieldRows(markdown: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of markdown.split('\n')) {
    const match = /^\|\s*`([A-Za-z0-9.]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (match)
      rows.set(
        match[1]!,
        match[2]!.split('|').map((cell) => cell.trim()),
      );
  }
  return rows;
}

describe('scenario docs', () => {
  const rows = fieldRows(doc);

  it('every schema field has a row with a type, a default and a meaning', () => {
    for (const path of scenarioFieldPaths()) {
      const row = rows.get(path);
      expect(row, `docs/scenarios.md has no row for \`${path}\``).toBeDefined();
      expect(row!.length, `row of ${path}`).toBe(3);
      for (const cell of row!) expect(cell.length, `row of ${path}`).toBeGreaterThan(0);
    }
  });

  it('no row names a field the schema does not have', () => {
    const known = new Set(scenarioFieldPaths());
    const documented = [...rows.keys()].filter((key) => /^[a-z]/.test(key) && !/\.ya?ml$/.test(key));
    for (const path of documented)
      expect(known.has(path), `docs/scenarios.md documents unknown field ${path}`).toBe(true);
  });

  it('the stated defaults are the code defaults', () => {
    const d = SCENARIO_DEFAULTS;
    const defaultOf = (path: string) => rows.get(path)![1]!;
    expect(defaultOf('seed')).toBe(`\`${d.seed}\``);
    expect(defaultOf('devicesPerUser')).toBe(`\`${d.devicesPerUser}\``);
    expect(defaultOf('rooms.directShare')).toBe(`\`${d.rooms.directShare}\``);
    expect(defaultOf('rooms.roomsPerUser')).toBe(`\`${d.rooms.roomsPerUser}\``);
    expect(defaultOf('rooms.groupSize')).toContain(
      `\`{ min: ${d.rooms.groupSize.min}, max: ${d.rooms.groupSize.max} }\``,
    );
    expect(defaultOf('rooms.cap')).toBe(`\`${d.rooms.cap}\``);
    expect(defaultOf('messages.bodyChars')).toBe(`\`{ min: ${d.bodyChars.min}, max: ${d.bodyChars.max} }\``);
    expect(defaultOf('phases.rampUp')).toBe(`\`${d.phases.rampUp}\``);
    expect(defaultOf('phases.steady')).toBe(`\`${d.phases.steady}\``);
    expect(defaultOf('phases.drain')).toBe(`\`${d.phases.drain}\``);
    expect(defaultOf('churn.share')).toBe(`\`${d.churn.share}\``);
    expect(defaultOf('churn.offlineFor')).toContain(
      `\`{ min: ${d.churn.offlineFor.min}, max: ${d.churn.offlineFor.max} }\``,
    );
    expect(defaultOf('typing.share')).toBe(`\`${d.typing.share}\``);
    expect(defaultOf('typing.leadMs')).toBe(`\`${d.typing.leadMs}\``);
    expect(defaultOf('presence.checkConvergence')).toBe(`\`${d.presence.checkConvergence}\``);
    expect(defaultOf('push.share')).toBe(`\`${d.push.share}\``);
    expect(defaultOf('push.platform')).toBe(`\`${d.push.platform}\``);
    expect(defaultOf('slo.completeness')).toBe(`\`${d.slo.completeness}\``);
  });
});
