import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import BenchFloor from '../../../src/commands/bench/floor.js';
import { runCommand } from '../../support/run-command.js';

/**
 * `bench floor` is `sim <scenario> --floor`: what the run refuses before the floor starts (the
 * floor itself runs in test/e2e/floor.test.ts). It runs the built sim command (dist/, as
 * `npm test` builds it).
 */
describe('bench floor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-floor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a scenario it cannot read with exit 2, naming the file as given', async () => {
    const missing = join(dir, 'missing.yaml');
    const run = await runCommand(BenchFloor, ['--scenario', missing]);
    expect(run.code).toBe(2);
    expect(run.stderr.split('\n')[0]).toBe(`${missing}: expected a readable scenario file (no such file)`);
  });

  it('refuses a scenario the simulator would refuse, and a bad --rate, with exit 2', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'name: bad\nseed: 1\nusers: 1\n');
    const scenario = await runCommand(BenchFloor, ['--scenario', bad]);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toContain(`${bad}:3: users: expected`);
    const rate = await runCommand(BenchFloor, ['--rate', '1000,lots']);
    expect(rate.code).toBe(2);
    expect(rate.stderr).toContain(
      '--rate takes msgs/s as a positive integer or a comma-separated list of them, got "1000,lots"',
    );
  });
});
