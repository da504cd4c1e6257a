import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import BenchLongPoll from '../../../src/commands/bench/longpoll.js';
import { runCommand } from '../../support/run-command.js';

/** What `bench longpoll` refuses before it loads anything. */
describe('bench longpoll', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-longpoll-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    for (const name of Object.keys(process.env).filter((name) => name.startsWith('CHAT_'))) vi.stubEnv(name, undefined);
  });
  afterEach(() => vi.unstubAllEnvs());

  const bench = (argv: string[]) => runCommand(BenchLongPoll, ['--data-dir', dir, ...argv]);

  it('needs --local or a --url, and a signing secret for a --url', async () => {
    const neither = await bench([]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('pass --local to boot a cluster, or --url of a running gateway');
    const noSecret = await bench(['--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('no signing secret');
  });

  it('refuses --senders, --held-polls, --duration or --poll-wait-ms below 1 with exit 2', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', 'k'.repeat(40));
    for (const flag of ['--senders', '--held-polls', '--duration', '--poll-wait-ms']) {
      const run = await bench(['--url', 'ws://127.0.0.1:1/v1/ws', flag, '0']);
      expect(run.code, flag).toBe(2);
      expect(run.stderr).toContain('Expected an integer greater than or equal to 1 but received: 0');
    }
  });
});
