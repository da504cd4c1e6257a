import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, describe, expect, it, vi } from 'vitest';
import Token from '../../src/commands/token.js';
import { runCommand } from '../support/run-command.js';
import { withoutChatEnv } from '../support/chat-env.js';

const SECRET = 'k'.repeat(40);
const key = (secret: string) => new TextEncoder().encode(secret);

describe('token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-'));
  const emptyDataDir = join(dir, 'no-dev-cluster');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  withoutChatEnv();

  const token = (argv: string[]) => runCommand(Token, ['--data-dir', emptyDataDir, ...argv]);

  it('signs an HS256 token with CHAT_JWT_SECRET: sub the user, device the device, an hour to live by default', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
    const before = Math.floor(Date.now() / 1000);
    const { code, stdout, stderr } = await token(['--user', 'alice', '--device', 'laptop']);
    expect(code, stderr).toBe(0);
    const jwt = stdout.trim();
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(jwt, key(SECRET));
    expect(payload.sub).toBe('alice');
    expect(payload.device).toBe('laptop');
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.iat).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(payload.iss).toBeUndefined();
    expect(payload.aud).toBeUndefined();
  });

  it('takes its lifetime from --ttl, and iss and aud from --jwt-issuer and --jwt-audience', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
    const { code, stdout } = await token([
      '--user',
      'bob',
      '--device',
      'phone',
      '--ttl',
      '90s',
      '--jwt-issuer',
      'https://id.example',
      '--jwt-audience',
      'chat',
    ]);
    expect(code).toBe(0);
    const { payload } = await jwtVerify(stdout.trim(), key(SECRET), { issuer: 'https://id.example', audience: 'chat' });
    expect(payload.exp! - payload.iat!).toBe(90);
    const week = await token(['--user', 'bob', '--device', 'phone', '--ttl', '7d']);
    const { payload: weekLong } = await jwtVerify(week.stdout.trim(), key(SECRET));
    expect(weekLong.exp! - weekLong.iat!).toBe(7 * 86_400);
  });

  it('prefers --jwt-secret-file to CHAT_JWT_SECRET, and falls back to the secret `chat-node dev` keeps', async () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${'f'.repeat(40)}\n`);
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
    const fromFile = await token(['--user', 'cy', '--device', 'd1', '--jwt-secret-file', file]);
    await expect(jwtVerify(fromFile.stdout.trim(), key('f'.repeat(40)))).resolves.toBeDefined();
    await expect(jwtVerify(fromFile.stdout.trim(), key(SECRET))).rejects.toThrow(/signature/);

    vi.stubEnv('CHAT_JWT_SECRET', undefined);
    const devDir = join(dir, 'dev');
    mkdirSync(devDir);
    writeFileSync(join(devDir, 'jwt-secret'), `${'d'.repeat(43)}\n`);
    const fromDev = await runCommand(Token, ['--user', 'cy', '--device', 'd1', '--data-dir', devDir]);
    expect(fromDev.code).toBe(0);
    await expect(jwtVerify(fromDev.stdout.trim(), key('d'.repeat(43)))).resolves.toBeDefined();
  });

  it('without any secret exits 2 and says where one comes from', async () => {
    const { code, stdout, stderr } = await token(['--user', 'dee', '--device', 'd1']);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('no signing key');
    expect(stderr).toContain('CHAT_JWT_SECRET');
    expect(stderr).toContain(join(emptyDataDir, 'jwt-secret'));
  });

  it('refuses a secret shorter than 32 bytes, from the environment or a file, as the roles do', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', 'short');
    const fromEnv = await token(['--user', 'dee', '--device', 'd1']);
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stdout).toBe('');
    expect(fromEnv.stderr).toContain('at least 32 bytes');
    const file = join(dir, 'short-secret');
    writeFileSync(file, 'x'.repeat(31));
    const fromFile = await token(['--jwt-secret-file', file, '--user', 'dee', '--device', 'd1']);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toContain('got 31');
  });

  it('refuses --jwt-secret on the command line, a bad user or device id and a bad ttl, with exit 2', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
    const onArgv = await token(['--user', 'eve', '--device', 'd1', '--jwt-secret', SECRET]);
    expect(onArgv.code).toBe(2);
    expect(onArgv.stderr).toMatch(/--jwt-secret is refused.*--jwt-secret-file/);
    const badUser = await token(['--user', 'eve@example', '--device', 'd1']);
    expect(badUser.code).toBe(2);
    expect(badUser.stderr).toContain('--user must match');
    const badDevice = await token(['--user', 'eve', '--device', 'x'.repeat(65)]);
    expect(badDevice.code).toBe(2);
    expect(badDevice.stderr).toContain('--device must match');
    const badTtl = await token(['--user', 'eve', '--device', 'd1', '--ttl', 'soon']);
    expect(badTtl.code).toBe(2);
    expect(badTtl.stderr).toContain('invalid duration "soon"');
    for (const run of [onArgv, badUser, badDevice, badTtl]) expect(run.stdout).toBe('');
  });

  it('a missing --user or --device is a usage error', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
    const run = await token(['--user', 'fin']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/device/);
  });
});
