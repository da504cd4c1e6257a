import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configInputOf, resolveSettings } from '../../../src/core/config/resolve-settings.js';

/** flags > CHAT_* environment > config file > defaults (DESIGN.md), setting by setting. */

const SECRET = (c: string) => c.repeat(32);

describe('settings resolution', () => {
  const dir = mkdtempSync(join(tmpdir(), 'resolve-settings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('takes each setting from the flag, else the variable, else the file, else the default', () => {
    const settings = resolveSettings('gateway', {
      flags: { maxFrameBytes: 2048 },
      env: { maxFrameBytes: 4096, sendRate: 50 },
      file: { maxFrameBytes: 8192, sendRate: 30, sendBurst: 60 },
      fileName: 'chat.yaml',
    });
    expect([settings.value('maxFrameBytes'), settings.get('maxFrameBytes')?.source]).toEqual([2048, 'flag']);
    expect([settings.value('sendRate'), settings.get('sendRate')?.source]).toEqual([50, 'env']);
    expect([settings.value('sendBurst'), settings.get('sendBurst')?.source]).toEqual([60, 'file']);
    expect([settings.value('heartbeatMs'), settings.get('heartbeatMs')?.source]).toEqual([undefined, 'default']);
    expect(settings.origin('maxFrameBytes')).toBe('flag --max-frame-bytes');
    expect(settings.origin('sendRate')).toBe('env CHAT_SEND_RATE');
    expect(settings.origin('sendBurst')).toBe('file chat.yaml');
    expect(settings.origin('heartbeatMs')).toBe('default');
  });

  it('lets a file beat a default the flag carries, as the admin port', () => {
    const fromFile = resolveSettings('fanout', { flags: {}, env: {}, file: { adminPort: 9100 } });
    expect([fromFile.value('adminPort'), fromFile.get('adminPort')?.source]).toEqual([9100, 'file']);
    const byDefault = resolveSettings('fanout', { flags: {}, env: {} });
    expect([byDefault.value('adminPort'), byDefault.get('adminPort')?.source]).toEqual([9090, 'default']);
  });

  it("hands resolveConfig what was given, in ClusterConfig's shape, and leaves it the defaults", () => {
    const settings = resolveSettings('gateway', {
      flags: { sendRate: 7, corsOrigins: 'https://a.example, https://b.example' },
      env: { maxTokenTtl: '2h' },
      file: { maxFrameBytes: 1024, jwtIssuer: 'iss' },
    });
    expect(configInputOf(settings)).toEqual({
      sendRatePerSec: 7,
      corsOrigins: ['https://a.example', 'https://b.example'],
      limits: { maxFrameBytes: 1024 },
      jwt: { issuer: 'iss', maxTokenTtlSec: 7200 },
    });
  });

  it('takes the HS256 secret from whichever of jwtSecretFile and jwtSecret is given higher, the file on a tie', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET('f')}\n`);
    const secretOf = (sources: Parameters<typeof resolveSettings>[1]) =>
      configInputOf(resolveSettings('gateway', sources)).jwt?.secret;
    expect(secretOf({ flags: { jwtSecretFile: file }, env: { jwtSecret: SECRET('e') } })).toBe(SECRET('f'));
    expect(secretOf({ flags: {}, env: { jwtSecretFile: file, jwtSecret: SECRET('e') } })).toBe(SECRET('f'));
    expect(secretOf({ flags: {}, env: { jwtSecret: SECRET('e') }, file: { jwtSecretFile: file } })).toBe(SECRET('e'));
    expect(secretOf({ flags: {}, env: {}, file: { jwtSecret: SECRET('y'), jwtSecretFile: file } })).toBe(SECRET('f'));
    expect(secretOf({ flags: {}, env: {}, file: { jwtSecret: SECRET('y') } })).toBe(SECRET('y'));
    expect(() => secretOf({ flags: { jwtSecret: SECRET('a') }, env: {} })).toThrow(/--jwt-secret is refused/);
  });
});
