import { Config, loadHelpClass } from '@oclif/core';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../support/cli.js';

/**
 * Issue 14, item 6: `--help` reads well at 80 columns (and at 120). oclif wraps prose to the
 * terminal but prints summary lines and example commands as written; and (4.14) it lays a flag
 * group out 2 columns too wide once one description in it passes five lines, and a summary under
 * FLAG DESCRIPTIONS 1 column too wide when it just fits beside the flag's name.
 *
 * Rendered in this process as bin/run.js renders it, from the commands built in dist/, so a new
 * command is covered without a list to update: a spawned `--help` costs ~2 s of CPU (with no
 * manifest, oclif imports every command). A Config per help: oclif renames the commands it lists
 * (`admin:kick` to `admin kick`).
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** What `chat-node <argv> --help` prints to a terminal `width` columns wide, without colour. */
async function renderHelp(argv: string[], width: number): Promise<string> {
  const config = await Config.load(ROOT);
  const Help = await loadHelpClass(config);
  const printed: string[] = [];
  // oclif's help writes through console.log, one call per block.
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void printed.push(args.join(' ')));
  try {
    await new Help(config, { ...config.pjson.oclif.helpOptions, maxWidth: width }).showHelp([...argv, '--help']);
  } finally {
    vi.restoreAllMocks();
  }
  return stripVTControlCharacters(printed.join('\n'));
}

/** The root, every topic and every command of chat-node (not those of its plugins), as argv. */
async function helpSubjects(): Promise<string[][]> {
  const config = await Config.load(ROOT);
  const ids = config.commands.filter((command) => command.pluginName === config.name).map((command) => command.id);
  const topics = new Set(
    ids.flatMap((id) =>
      id
        .split(':')
        .slice(0, -1)
        .map((_, i, parts) => parts.slice(0, i + 1).join(':')),
    ),
  );
  return [[], ...[...topics, ...ids].sort().map((id) => id.split(':'))];
}

const columns = (line: string) => [...line].length;

let subjects: string[][];

beforeAll(async () => {
  subjects = await helpSubjects();
});

afterEach(() => vi.restoreAllMocks());

describe('cli - --help at the width of a terminal', () => {
  it('finds every command and topic in dist/', () => {
    const names = subjects.map((argv) => argv.join(' '));
    expect(names).toEqual(
      expect.arrayContaining(['', 'gateway', 'sim', 'admin', 'admin kick', 'bench floor', 'schema protocol']),
    );
  });

  it.each([80, 120])('no line of any --help is wider than the terminal: %i columns', async (width) => {
    const tooWide: string[] = [];
    for (const argv of subjects) {
      const text = await renderHelp(argv, width);
      expect(text, `chat-node ${argv.join(' ')} --help`).toContain('USAGE');
      for (const line of text.split('\n')) {
        if (columns(line) > width)
          tooWide.push(`chat-node ${[...argv, '--help'].join(' ')} (${columns(line)} columns): ${line}`);
      }
    }
    expect(tooWide, `lines wider than ${width} columns`).toEqual([]);
  });

  it('renders what bin/run.js prints when its output is not a terminal', async () => {
    // oclif takes the width from OCLIF_COLUMNS, else the terminal; a pipe counts as 80 columns.
    const { OCLIF_COLUMNS: _unset, ...env } = process.env;
    const printed = await runCli(['gateway', '--help'], { ...env, NO_COLOR: '1', FORCE_COLOR: '0' });
    expect(printed.code, printed.stderr).toBe(0);
    expect(stripVTControlCharacters(printed.stdout)).toBe(`${await renderHelp(['gateway'], 80)}\n`);
  });
});
