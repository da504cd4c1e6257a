import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import ConfigCheck from '../../../src/commands/config/check.js';
import { runCommand } from '../../support/run-command.js';

describe('config check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-check-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('passes a valid file with a one-line summary, exit 0', async () => {
    const path = file(
      'ok.yaml',
      'postgresUrl: postgresql://db/chat\nsendRate: 30\ncorsOrigins: https://a.example,https://b.example\n',
    );
    const run = await runCommand(ConfigCheck, [path]);
    expect(run).toEqual({
      code: 0,
      stdout: `${path}: valid YAML, 3 settings (postgresUrl, sendRate, corsOrigins)\n`,
      stderr: '',
    });
  });

  it('lists every problem with its line, then their number, exit 1', async () => {
    const path = file(
      'bad.json',
      '{\n  "sendRatePerSec": 50,\n  "maxFrameBytes": "16k",\n  "logLevel": "verbose"\n}\n',
    );
    const run = await runCommand(ConfigCheck, [path]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n')).toEqual([
      `${path}:2: unknown key \`sendRatePerSec\` at /; did you mean \`sendRate\`? (the keys are the flags' names in camelCase now)`,
      `${path}:3: wrong type at /maxFrameBytes: expected an integer >= 1, got "16k" (a string)`,
      `${path}:4: wrong type at /logLevel: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose" (a string)`,
      `${path}: 3 problems`,
      '',
    ]);
  });

  it('finds what a role would refuse at start given only the file, without showing a secret', async () => {
    const timeouts = await runCommand(ConfigCheck, [file('timeouts.yaml', 'heartbeatMs: 40000\n')]);
    expect(timeouts.code).toBe(1);
    expect(timeouts.stderr).toContain('a role would refuse it: presence-timeout-ms must be at least heartbeat-ms');
    const secret = await runCommand(ConfigCheck, [file('secret.yaml', 'jwtSecret: hunter2\n')]);
    expect(secret.code).toBe(1);
    expect(secret.stderr).toContain('the HS256 secret must be at least 32 bytes');
    expect(secret.stderr).not.toContain('hunter2');
  });

  it('says so when the file cannot be read', async () => {
    const run = await runCommand(ConfigCheck, [join(dir, 'missing.yaml')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('missing.yaml: cannot read it (no such file)');
  });
});
