import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import BenchLatency from '../../../src/commands/bench/latency.js';
import { runCommand } from '../../support/run-command.js';
import { withoutChatEnv } from '../../support/chat-env.js';

/** What `bench latency` refuses before it connects anything (the target is cli/bench-target.ts, shared by the benchmarks). */
const SECRET = 'k'.repeat(40);

describe('bench latency', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-latency-'));
  const emptyDataDir = join(dir, 'no-dev-cluster');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  withoutChatEnv();

  const bench = (argv: string[]) => runCommand(BenchLatency, ['--data-dir', emptyDataDir, ...argv]);

  it('needs --local or the --url of a running gateway, not both', async () => {
    const neither = await bench([]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('pass --local to boot a cluster, or --url of a running gateway');
    const both = await bench(['--local', '--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--url|--local/);
    expect(`${neither.stdout}${both.stdout}`).toBe('');
  });

  it("against a --url, needs the cluster's signing secret, as a file or CHAT_JWT_SECRET, never on the command line", async () => {
    const url = ['--url', 'ws://127.0.0.1:1/v1/ws'];
    const none = await bench(url);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no signing secret: set CHAT_JWT_SECRET or pass --jwt-secret-file');
    const onArgv = await bench([...url, '--jwt-secret', SECRET]);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toContain('--jwt-secret is refused');
    vi.stubEnv('CHAT_JWT_SECRET', 'short');
    const short = await bench(url);
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('at least 32 bytes');
    // The same for the secret a `chat-node dev` keeps in its data folder.
    const devDir = join(dir, 'dev');
    mkdirSync(devDir);
    writeFileSync(join(devDir, 'jwt-secret'), 'x'.repeat(10));
    const shortDev = await runCommand(BenchLatency, [...url, '--data-dir', devDir]);
    expect(shortDev.code).toBe(2);
    expect(shortDev.stderr).toContain('at least 32 bytes');
  });

  it('refuses a --rate or --messages below 1 with exit 2', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
    for (const flag of ['--rate', '--messages']) {
      const run = await bench(['--url', 'ws://127.0.0.1:1/v1/ws', flag, '0']);
      expect(run.code, flag).toBe(2);
      expect(run.stderr).toContain('Expected an integer greater than or equal to 1 but received: 0');
      expect(run.stdout).toBe('');
    }
  });
});
