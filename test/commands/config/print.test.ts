import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import ConfigPrint from '../../../src/commands/config/print.js';
import { runCommand } from '../../support/run-command.js';

interface Printed {
  role: string;
  config: string | null;
  settings: Record<string, { value: unknown; source: string }>;
  problem?: string;
}

const SECRET = 'x'.repeat(40);

describe('config print', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-print-'));
  const configFile = join(dir, 'chat.yaml');
  writeFileSync(
    configFile,
    [
      'postgresUrl: postgresql://chat:pg-password@db:5432/chat',
      'redisUrl: redis://:redis-password@cache:6379',
      'natsUrl: nats://bus:4222',
      `jwtSecret: ${SECRET}`,
      'maxFrameBytes: 8192',
      'sendRate: 30',
      'sendBurst: 60',
      'adminPort: 9100',
      '',
    ].join('\n'),
  );
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeEach(() => {
    for (const name of Object.keys(process.env).filter((key) => key.startsWith('CHAT_'))) vi.stubEnv(name, undefined);
  });
  afterEach(() => vi.unstubAllEnvs());

  const printed = async (argv: string[]) => {
    const run = await runCommand(ConfigPrint, [...argv, '--json']);
    return { ...run, json: JSON.parse(run.stdout) as Printed };
  };

  it('takes each setting from the flag, else the environment, else the file, else the default', async () => {
    vi.stubEnv('CHAT_MAX_FRAME_BYTES', '4096');
    vi.stubEnv('CHAT_SEND_RATE', '50');
    const { code, json } = await printed(['gateway', '--config', configFile, '--max-frame-bytes', '2048']);
    expect(code).toBe(0);
    expect(json.role).toBe('gateway');
    expect(json.config).toBe(configFile);
    expect(json.settings.maxFrameBytes).toEqual({ value: 2048, source: 'flag' });
    expect(json.settings.sendRate).toEqual({ value: 50, source: 'env' });
    expect(json.settings.sendBurst).toEqual({ value: 60, source: 'file' });
    expect(json.settings.heartbeatMs).toEqual({ value: 5000, source: 'default' });
    expect(json.settings.adminPort, 'a file beats a default the flag carries').toEqual({ value: 9100, source: 'file' });
    expect(json.settings.nodeId).toEqual({ value: null, source: 'default' });
  });

  it('masks secrets: the JWT secret whole, passwords in service URLs', async () => {
    const { json } = await printed(['gateway', '--config', configFile]);
    expect(json.settings.jwtSecret).toEqual({ value: '***', source: 'file' });
    expect(json.settings.postgresUrl?.value).toBe('postgresql://chat:***@db:5432/chat');
    expect(json.settings.redisUrl?.value).toBe('redis://:***@cache:6379');
    const text = await runCommand(ConfigPrint, ['gateway', '--config', configFile]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^jwtSecret +\*\*\* +file .*chat\.yaml$/m);
    expect(text.stdout).toMatch(/^sendBurst +60 +file .*chat\.yaml$/m);
    for (const secret of [SECRET, 'pg-password', 'redis-password'])
      expect(text.stdout + JSON.stringify(json)).not.toContain(secret);
  });

  it("prints another role's settings with its defaults and flags (former names too)", async () => {
    const { code, json } = await printed(['fanout', '--config', configFile, '--http-port', '9300']);
    expect(code).toBe(0);
    expect(json.settings.adminPort).toEqual({ value: 9300, source: 'flag' });
    expect(json.settings.pushPolicy).toEqual({ value: 'always', source: 'default' });
    expect(json.settings.sendRate, 'the fan-out takes no send rate').toBeUndefined();
    const byDefault = await printed(['presence']);
    expect(byDefault.json.settings.adminPort).toEqual({ value: 9091, source: 'default' });
  });

  it('exits 1 with the reason when the role would refuse its settings, 2 when the file has problems', async () => {
    const missing = await printed(['pusher', '--postgres-url', 'postgresql://db']);
    expect(missing.code).toBe(1);
    expect(missing.json.problem).toBe('redisUrl is not set: pass --redis-url or set CHAT_REDIS_URL');
    expect(missing.stderr).toContain('pusher would not start: redisUrl is not set');
    const badFile = join(dir, 'bad.yaml');
    writeFileSync(badFile, 'sendRat: 1\n');
    const bad = await runCommand(ConfigPrint, ['gateway', '--config', badFile]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown key `sendRat` at /; did you mean `sendRate`?');
  });
});
