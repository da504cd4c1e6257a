import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { clusterConfigOf } from '../../src/cli/flags.js';

/** The HS256 secret comes from a file or the environment: never from argv, which every user of the machine can read (ps). */
const services = { 'postgres-url': 'postgresql://db/chat', 'redis-url': 'redis://cache', 'nats-url': 'nats://bus' };
const SECRET = 's'.repeat(40);
let saved: string | undefined;
let dir: string;

beforeEach(() => {
  saved = process.env.CHAT_JWT_SECRET;
  delete process.env.CHAT_JWT_SECRET;
  dir = mkdtempSync(join(tmpdir(), 'jwt-secret-'));
});

afterEach(() => {
  if (saved === undefined) delete process.env.CHAT_JWT_SECRET;
  else process.env.CHAT_JWT_SECRET = saved;
  rmSync(dir, { recursive: true, force: true });
});

describe('jwt secret', () => {
  it('--jwt-secret on the command line is refused, and says where the secret goes instead', () => {
    expect(() => clusterConfigOf('gateway', { ...services, 'jwt-secret': SECRET })).toThrow(
      /CHAT_JWT_SECRET.*--jwt-secret-file/,
    );
  });

  it('is read from --jwt-secret-file (trailing newline dropped)', () => {
    const file = join(dir, 'secret');
    writeFileSync(file, `${SECRET}\n`);
    expect(clusterConfigOf('gateway', { ...services, 'jwt-secret-file': file }).jwt.secret).toBe(SECRET);
  });

  it('is read from CHAT_JWT_SECRET', () => {
    process.env.CHAT_JWT_SECRET = SECRET;
    expect(clusterConfigOf('gateway', services).jwt.secret).toBe(SECRET);
  });

  it('a secret shorter than 32 bytes stops the role at start-up', () => {
    process.env.CHAT_JWT_SECRET = 'short';
    expect(() => clusterConfigOf('gateway', services)).toThrow(/at least 32 bytes/);
  });

  it('--max-token-ttl reaches the verifier settings, in seconds', () => {
    process.env.CHAT_JWT_SECRET = SECRET;
    expect(clusterConfigOf('gateway', { ...services, 'max-token-ttl': '2h' }).jwt.maxTokenTtlSec).toBe(7200);
  });
});
