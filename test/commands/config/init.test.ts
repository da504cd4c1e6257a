import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configTemplate } from '../../../src/cli/settings-docs.js';
import ConfigCheck from '../../../src/commands/config/check.js';
import ConfigInit from '../../../src/commands/config/init.js';
import { checkConfigText } from '../../../src/core/config/config-file.js';
import { fileSettings } from '../../../src/core/config/settings.js';
import { runCommand } from '../../support/run-command.js';

describe('config init', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-init-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes every setting under its help, with its default commented out', () => {
    const text = configTemplate();
    for (const setting of fileSettings()) {
      const line = text
        .split('\n')
        .findIndex((row) => row === `${setting.key}: ${setting.example}` || row.startsWith(`# ${setting.key}:`));
      expect(line, setting.key).toBeGreaterThan(0);
    }
    expect(text).toContain('# sendRate: 20\n');
    expect(text).toContain('# adminPort: 9089\n');
    expect(text).toMatch(
      /# --admin-port, CHAT_ADMIN_PORT; read by every role; default: 9089 \(gateway\);\n# 9090 \(fanout\)/,
    );
    expect(text.split('\n').filter((row) => [...row].length > 80)).toEqual([]);
  });

  it('writes a file that config check accepts', async () => {
    expect(checkConfigText(configTemplate(), 'chat.yaml').problems).toEqual([]);
    const out = join(dir, 'chat.yaml');
    const init = await runCommand(ConfigInit, ['--out', out]);
    expect(init.code, init.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const check = await runCommand(ConfigCheck, [out]);
    expect(check).toEqual({
      code: 0,
      stdout: `${out}: valid YAML, 3 settings (postgresUrl, redisUrl, natsUrl)\n`,
      stderr: '',
    });
  });

  it('will not replace a file without --force', async () => {
    const out = join(dir, 'kept.yaml');
    writeFileSync(out, 'sendRate: 5\n');
    const refused = await runCommand(ConfigInit, ['--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('exists: pass --force to replace it');
    expect(readFileSync(out, 'utf8')).toBe('sendRate: 5\n');
    expect((await runCommand(ConfigInit, ['--out', out, '--force'])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(configTemplate());
  });

  it('prints the file without --out', async () => {
    const run = await runCommand(ConfigInit, []);
    expect(run.stdout).toBe(configTemplate());
    expect(existsSync(join(dir, 'chat-node.yaml'))).toBe(false);
  });
});
