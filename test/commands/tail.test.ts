import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import Tail from '../../src/commands/tail.js';
import { runCli } from '../support/cli.js';
import { runCommand } from '../support/run-command.js';
import { unsetChatEnv } from '../support/chat-env.js';

/** What `tail` decides before and without a cluster: its usage errors (exit 2) and an unreachable gateway (exit 1). */
const SECRET = 'k'.repeat(40);

describe('tail', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tail-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    unsetChatEnv();
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
  });
  afterEach(() => vi.unstubAllEnvs());

  const tail = (argv: string[]) => runCommand(Tail, ['--data-dir', dir, '--user', 'ann', '--device', 'phone', ...argv]);

  it('refuses a negative --lines or --since with exit 2', async () => {
    const lines = await tail(['--room', 'r1', '--lines', '-1']);
    expect(lines.code).toBe(2);
    expect(lines.stderr).toContain('--lines and --since are 0 or more');
    const since = await tail(['--room', 'r1', '--since', '-5']);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--lines and --since are 0 or more');
  });

  it('takes exactly one of --room and --dm', async () => {
    const both = await tail(['--room', 'r1', '--dm', 'bob']);
    expect(both.code).toBe(2);
    const neither = await tail([]);
    expect(neither.code).toBe(2);
    expect(`${both.stderr}${neither.stderr}`).toMatch(/--room|--dm/);
  });

  it('exits 1 and names the gateway when none answers within --timeout', async () => {
    const run = await runCli(
      [
        ...['tail', '--url', '127.0.0.1:1', '--user', 'ann', '--device', 'phone', '--room', 'r1'],
        ...['--timeout', '1', '--data-dir', dir],
      ],
      { ...process.env, CHAT_JWT_SECRET: SECRET },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('could not connect to ws://127.0.0.1:1/v1/ws within 1 s');
  });
});
