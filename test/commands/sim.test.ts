import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import Sim from '../../src/commands/sim.js';
import { runCommand } from '../support/run-command.js';
import { withoutChatEnv } from '../support/chat-env.js';

/**
 * What `sim` refuses before it starts or reaches any cluster, with exit 2 and the reason (runs:
 * test/e2e/sim-smoke.test.ts and floor.test.ts; sim compare, merge and report: test/sim/).
 */
const SMOKE = fileURLToPath(new URL('../../scenarios/smoke.yaml', import.meta.url));
const SECRET = 'k'.repeat(40);

describe('sim', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-'));
  const emptyDataDir = join(dir, 'no-dev-cluster');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  withoutChatEnv();

  const sim = (argv: string[]) => runCommand(Sim, [...argv, '--data-dir', emptyDataDir]);
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('refuses a scenario file it cannot read or that is not a scenario, naming the file, the line and the field', async () => {
    const missing = await sim([join(dir, 'missing.yaml'), '--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`${join(dir, 'missing.yaml')}: expected a readable scenario file (no such file)`);
    const typo = file('typo.yaml', 'name: typo\nseed: 1\nusers: 10\nuserz: 20\n');
    const unknown = await sim([typo, '--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain(`${typo}:4: userz: unknown field`);
    const text = file('scenario.txt', 'name: x\n');
    const extension = await sim([text, '--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(extension.code).toBe(2);
    expect(extension.stderr).toContain(`${text}: expected a scenario file ending in .yaml, .yml or .json`);
    for (const run of [missing, unknown, extension]) expect(run.stdout).toBe('');
  });

  it("refuses a bad --rate before it reads the scenario, and points a sweep's errors at the scenario as written", async () => {
    for (const rate of ['0', '-5', '1000,fast', '1.5']) {
      const run = await sim([join(dir, 'missing.yaml'), '--rate', rate, '--url', 'ws://127.0.0.1:1/v1/ws']);
      expect(run.code, rate).toBe(2);
      expect(run.stderr).toContain(
        `--rate takes msgs/s as a positive integer or a comma-separated list of them, got "${rate}"`,
      );
    }
    const typo = file('sweep-typo.yaml', 'name: typo\nseed: 1\nuserz: 20\n');
    const sweep = await sim([typo, '--rate', '100,200', '--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(sweep.code).toBe(2);
    expect(sweep.stderr).toContain(`${typo}:3: userz: unknown field`);
  });

  it('needs a target: a --url, --local or --floor', async () => {
    const run = await sim([SMOKE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'pass --url of the cluster, --local to start one, or --floor to run the bare pipeline',
    );
    expect(run.stdout).toBe('');
  });

  it("against a --url, needs the cluster's signing secret, at least 32 bytes, never on the command line", async () => {
    const url = ['--url', 'ws://127.0.0.1:1/v1/ws'];
    const none = await sim([SMOKE, ...url]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      'no signing secret: set CHAT_JWT_SECRET, pass --jwt-secret-file, or --data-dir of `chat-node dev`',
    );
    const onArgv = await sim([SMOKE, ...url, '--jwt-secret', SECRET]);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toContain('--jwt-secret is refused');
    const short = await sim([SMOKE, ...url, '--jwt-secret-file', file('short-secret', 'x'.repeat(20))]);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('got 20');
  });

  it('refuses flags that contradict each other or need another, and unknown choices', async () => {
    const refused: Array<[string[], RegExp]> = [
      [['--local', '--url', 'ws://127.0.0.1:1/v1/ws'], /--url|--local/],
      [['--gateways', '2'], /--local/],
      [['--fanouts', '2', '--url', 'ws://127.0.0.1:1/v1/ws'], /--local/],
      [['--local', '--push-log', join(dir, 'received.jsonl')], /--push-log|--local/],
      [['--floor', '--html', join(dir, 'x.html'), '--no-html'], /--html|--no-html/],
      [['--floor', '--transport', 'carrier-pigeon'], /ws, longpoll, auto/],
      [['--floor', '--push-policy', 'never'], /always, hold-while-active/],
      [['--local', '--gateways', '0'], /greater than or equal to 1/],
    ];
    // Refused as the command line is parsed: were one let through, the run would stop at the missing scenario.
    for (const [flags, reason] of refused) {
      const run = await sim([join(dir, 'missing.yaml'), ...flags]);
      expect(run.code, flags.join(' ')).toBe(2);
      expect(run.stderr, flags.join(' ')).toMatch(reason);
      expect(run.stdout).toBe('');
    }
  });

  it('without a scenario is a usage error', async () => {
    const run = await sim(['--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/scenario/);
  });
});
