import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import type { CliRun } from './cli.js';
import { runCommand } from './run-command.js';

type RunnableCommand = Parameters<typeof runCommand>[0];

/**
 * For a describe of a `bench` command: runs it with a --data-dir of its own (no `chat-node dev`
 * there, so no secret or members file is found by accident), removed after the file's tests.
 */
export function benchRunner(command: RunnableCommand, name: string): (argv: string[]) => Promise<CliRun> {
  const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return (argv) => runCommand(command, ['--data-dir', dir, ...argv]);
}

/** What every benchmark that takes --local or --url refuses before it connects anything (src/cli/bench-target.ts). */
export function itNeedsATargetAndSecret(bench: (argv: string[]) => Promise<CliRun>): void {
  it('needs --local or a --url, and a signing secret for a --url', async () => {
    const neither = await bench([]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain('pass --local to boot a cluster, or --url of a running gateway');
    const noSecret = await bench(['--url', 'ws://127.0.0.1:1/v1/ws']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('no signing secret');
  });
}
