import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import BenchPresence from '../../../src/commands/bench/presence.js';
import { runCommand } from '../../support/run-command.js';

/** What `bench presence` refuses before it connects anything. */
describe('bench presence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-presence-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => {
    for (const name of Object.keys(process.env).filter((name) => name.startsWith('CHAT_'))) vi.stubEnv(name, undefined);
  });
  afterEach(() => vi.unstubAllEnvs());

  const bench = (argv: string[]) => runCommand(BenchPresence, ['--data-dir', dir, ...argv]);

  it('needs --local or a --url, and a signing secret for a --url', async () => {
    const neither = await bench([]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('pass --local to boot a cluster, or --url of a running gateway');
    const noSecret = await bench(['--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('no signing secret');
  });

  it('refuses --cycles below 1 and a negative --grace-ms with exit 2', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', 'k'.repeat(40));
    const cycles = await bench(['--url', 'ws://127.0.0.1:1/v1/ws', '--cycles', '0']);
    expect(cycles.code).toBe(2);
    expect(cycles.stderr).toContain('Expected an integer greater than or equal to 1 but received: 0');
    const grace = await bench(['--url', 'ws://127.0.0.1:1/v1/ws', '--grace-ms', '-1']);
    expect(grace.code).toBe(2);
    expect(grace.stderr).toContain('Expected an integer greater than or equal to 0 but received: -1');
  });
});
