import type { Command } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import { format } from 'node:util';
import { vi } from 'vitest';
import type { CliRun } from './cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Runs one command class in this process, as `chat-node <id> <argv>` would, and returns what it
 * printed and its exit status: cheaper than runCli's process (oclif imports every command of a
 * package without a manifest), for commands that only read and print. The exit status is the one
 * the process would exit with: the status of the error or exit that ended the command, else the
 * process.exitCode it set (status, sim, a benchmark that fell short), else 0.
 */
export async function runCommand(
  command: { run(argv: string[], root: string): Promise<unknown> } & typeof Command,
  argv: string[],
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const spies = [
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void (stdout += `${format(...args)}\n`)),
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void (stderr += `${format(...args)}\n`)),
    vi
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)),
    vi
      .spyOn(process.stderr, 'write')
      .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)),
  ];
  const exitCode = process.exitCode;
  process.exitCode = undefined;
  let code = 0;
  try {
    await command.run(argv, ROOT);
    code = Number(process.exitCode ?? 0);
  } catch (error) {
    const exit = (error as { oclif?: { exit?: number } }).oclif?.exit;
    if (exit === undefined) throw error;
    code = exit;
    if (exit !== 0 && !/^EEXIT/.test((error as Error).message)) stderr += `${(error as Error).message}\n`;
  } finally {
    for (const spy of spies) spy.mockRestore();
    // oclif sets the status of the process it thinks it runs in.
    process.exitCode = exitCode;
  }
  return { code, stdout, stderr };
}
