import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import BenchHeartbeat from '../../../src/commands/bench/heartbeat.js';
import { benchRunner } from '../../support/bench-command.js';
import { unsetChatEnv } from '../../support/chat-env.js';

/** What `bench heartbeat` refuses before it connects anything. */
describe('bench heartbeat', () => {
  const bench = benchRunner(BenchHeartbeat, 'heartbeat');
  beforeEach(() => {
    unsetChatEnv();
    vi.stubEnv('CHAT_JWT_SECRET', 'k'.repeat(40));
  });
  afterEach(() => vi.unstubAllEnvs());

  it('refuses --local: the gateway must run in its own process, so that its CPU is its own', async () => {
    const run = await bench(['--local']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('run the gateway in its own process (chat-node dev) and pass --url');
    expect(run.stdout).toBe('');
  });

  it("needs a --url, and the gateway's /metrics when no local cluster in --data-dir lists it", async () => {
    const noUrl = await bench([]);
    expect(noUrl.code).toBe(2);
    expect(noUrl.stderr).toContain('pass --local to boot a cluster, or --url of a running gateway');
    const noMetrics = await bench(['--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(noMetrics.code).toBe(2);
    expect(noMetrics.stderr).toContain("pass --metrics-url: the gateway's /metrics on its admin listener");
  });

  it('refuses --devices or --duration below 1 and --source-addresses outside 1-254 with exit 2', async () => {
    const target = ['--url', 'ws://127.0.0.1:1/v1/ws', '--metrics-url', 'http://127.0.0.1:1/metrics'];
    for (const [flag, value] of [
      ['--devices', '0'],
      ['--duration', '0'],
      ['--source-addresses', '0'],
      ['--source-addresses', '255'],
    ] as const) {
      const run = await bench([...target, flag, value]);
      expect(run.code, `${flag} ${value}`).toBe(2);
      expect(run.stderr).toMatch(
        new RegExp(`Expected an integer (greater|less) than or equal to \\d+ but received: ${value}`),
      );
    }
  });
});
