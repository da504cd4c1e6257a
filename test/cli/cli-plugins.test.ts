import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** Issue 14, item 6: "did you mean" for a mistyped command, and shell completion. */
const RUN_JS = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const cache = mkdtempSync(join(tmpdir(), 'chat-node-ac-'));
const env = { ...process.env, XDG_CACHE_HOME: cache, NO_COLOR: '1', FORCE_COLOR: '0' };

afterAll(() => rmSync(cache, { recursive: true, force: true }));

function run(args: string[], input?: string) {
  return spawnSync(process.execPath, [RUN_JS, ...args], { encoding: 'utf8', env, input, timeout: 30_000 });
}

describe('cli - a mistyped command', () => {
  it('not at a terminal: says it is not a command, points at help, exits 127, and runs nothing', () => {
    const result = run(['stauts']);
    expect(result.status).toBe(127);
    expect(result.stderr).toContain('stauts is not a chat-node command');
    expect(result.stderr).toContain('Run chat-node help for a list of available commands');
    expect(result.stderr).not.toMatch(/Node version must be/);
  });

  it('at a terminal: asks "Did you mean status?", and a no runs nothing', () => {
    // `script` gives the command a terminal; the answer arrives once the question is up.
    const result = spawnSync('script', ['-q', '-e', '-c', `${process.execPath} ${RUN_JS} stauts`, '/dev/null'], {
      encoding: 'utf8',
      env,
      input: 'n\r',
      timeout: 30_000,
    });
    const shown = result.stdout.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
    expect(shown).toContain('Did you mean status?');
    expect(shown).toContain('Run chat-node help for a list of available commands');
    expect(shown).not.toMatch(/Node version must be/);
  });
});

describe('cli - help', () => {
  it('the help a mistyped command points at exists: chat-node help lists the commands, help <command> shows one', () => {
    const list = run(['help']);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/^ {2}status\s/m);
    expect(list.stdout).toMatch(/^ {2}sim\s/m);
    const one = run(['help', 'status']);
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toContain('$ chat-node status');
  });
});

describe('cli - shell completion', () => {
  it('chat-node autocomplete builds completions of every command and its flags for bash and zsh', () => {
    const refreshed = run(['autocomplete', '--refresh-cache']);
    expect(refreshed.status, refreshed.stderr).toBe(0);
    const bash = readFileSync(join(cache, 'chat-node', 'autocomplete', 'functions', 'bash', 'chat-node.bash'), 'utf8');
    expect(bash).toMatch(/^status .*--json/m);
    expect(bash).toMatch(/^admin:kick .*--revoke/m);
    expect(bash).toMatch(/^sim /m);
    expect(readFileSync(join(cache, 'chat-node', 'autocomplete', 'functions', 'zsh', '_chat-node'), 'utf8')).toContain(
      'status',
    );
    const script = run(['autocomplete', 'script', 'bash']);
    expect(script.status).toBe(0);
    expect(script.stdout).toContain('CHAT_NODE_AC_BASH_SETUP_PATH');
  });
});
