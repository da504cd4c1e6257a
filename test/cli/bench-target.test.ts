import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { benchTargetOf } from '../../src/cli/bench-target.js';

/** A benchmark against a running cluster first has a device welcomed: a wrong URL or secret is said, not waited on for ever. */
describe('benchTargetOf', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-target-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
  afterEach(() => vi.unstubAllEnvs());

  /** The command's error(), as oclif ends a command: it throws with the exit code. */
  const command = {
    error(message: string, options: { exit: number }): never {
      throw Object.assign(new Error(message), { exit: options.exit });
    },
  };

  it('ends the command with exit 1 when the gateway does not answer, after the usage checks', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', 'k'.repeat(40));
    const flags = { url: 'ws://127.0.0.1:1/v1/ws', 'data-dir': dataDir };
    const unreachable = await benchTargetOf(command, flags, { preflightTimeoutMs: 600 }).catch(
      (error: unknown) => error,
    );
    expect(unreachable).toMatchObject({ exit: 1 });
    expect((unreachable as Error).message).toContain('nothing listens there');
    const usageFirst = await benchTargetOf(command, flags, { usage: () => 'pass --metrics-url' }).catch(
      (error: unknown) => error,
    );
    expect(usageFirst).toMatchObject({ exit: 2, message: 'pass --metrics-url' });
  });

  it('ends the command with exit 2 for a usage problem (no target, no secret)', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', undefined);
    const noTarget = await benchTargetOf(command, { 'data-dir': dataDir }).catch((error: unknown) => error);
    expect(noTarget).toMatchObject({
      exit: 2,
      message: 'pass --local to boot a cluster, or --url of a running gateway',
    });
    const noSecret = await benchTargetOf(command, { url: 'ws://127.0.0.1:1/v1/ws', 'data-dir': dataDir }).catch(
      (error: unknown) => error,
    );
    expect(noSecret).toMatchObject({ exit: 2 });
    expect((noSecret as Error).message).toContain('no signing secret');
  });
});
