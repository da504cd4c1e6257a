import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { roleSettingsOf } from '../../src/cli/flags.js';
import { runCli } from '../support/cli.js';

/**
 * A role with a config file it cannot use stops before it starts anything (exit status 2),
 * listing every problem. The services named are unreachable: a role that got past its settings
 * would fail differently, on connecting to Postgres.
 */
describe('role settings at start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'role-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a gateway with a bad config file exits 2 with every problem and starts nothing', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'postgresUrl: postgresql://127.0.0.1:1/none\nsendRatePerSec: 50\nmaxFrameBytes: 16k\n');
    const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHAT_')));
    const run = await runCli(['gateway', '--config', file, '--port', '0', '--admin-port', '0'], {
      ...clean,
      NO_COLOR: '1',
    });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toBe(
      [
        `Error: config file ${file} has 2 problems:`,
        `  ${file}:2: unknown key \`sendRatePerSec\` at /; did you mean \`sendRate\`? (the keys are the flags' names in camelCase now)`,
        `  ${file}:3: wrong type at /maxFrameBytes: expected an integer >= 1, got "16k" (a string)`,
        '',
      ].join('\n'),
    );
    expect(run.stdout).toBe('');
  });

  it('reads the config file named by CHAT_CONFIG as by --config', () => {
    const file = join(dir, 'chat.yml');
    writeFileSync(file, 'sendRate: 30\n');
    const settings = roleSettingsOf('presence', { flags: { config: file }, raw: [] }, { CHAT_CONFIG: file });
    expect([settings.value('sendRate'), settings.origin('sendRate')]).toEqual([30, `file ${file}`]);
    expect(settings.origin('config')).toBe('env CHAT_CONFIG');
  });

  it.each(['dev', 'cluster'] as const)(
    'chat-node %s checks its config file first: exit 2 with every problem, nothing started',
    async (command) => {
      const file = join(dir, `bad-${command}.yaml`);
      writeFileSync(file, 'port: 9000\nsendRatePerSec: 50\n');
      const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('CHAT_')));
      const run = await runCli([command, '--config', file, '--data-dir', join(dir, `data-${command}`)], {
        ...clean,
        NO_COLOR: '1',
      });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(`${file}:2: unknown key \`sendRatePerSec\` at /; did you mean \`sendRate\`?`);
      expect(run.stdout).toBe('');
    },
  );

  it('dev and cluster take what they run on from the config file, below their flags', () => {
    const file = join(dir, 'supervisor.yaml');
    writeFileSync(file, 'port: 9100\nadminPort: 9101\nhost: 127.0.0.2\ndataDir: /tmp/from-file\nsendRate: 30\n');
    for (const command of ['dev', 'cluster'] as const) {
      const settings = roleSettingsOf(
        command,
        {
          flags: { config: file, port: 9200 },
          raw: [
            { type: 'flag', flag: 'config' },
            { type: 'flag', flag: 'port' },
          ],
        },
        {},
      );
      expect([settings.value('port'), settings.origin('port')]).toEqual([9200, 'flag --port']);
      expect([settings.value('host'), settings.value('dataDir'), settings.value('sendRate')]).toEqual([
        '127.0.0.2',
        '/tmp/from-file',
        30,
      ]);
    }
    expect(
      roleSettingsOf('dev', { flags: { config: file }, raw: [{ type: 'flag', flag: 'config' }] }, {}).value(
        'adminPort',
      ),
    ).toBe(9101);
  });
});
