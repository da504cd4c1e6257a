import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signDeviceToken } from '../../src/core/auth/jwt.js';
import { parseUrls, peekClaims, resolveTarget, UsageError } from '../../src/tui/connection.js';

describe('tui - client connection flags', () => {
  it('URLs: comma-separated, host:port gets ws:// and /v1/ws', () => {
    expect(parseUrls('ws://127.0.0.1:8080/v1/ws')).toEqual(['ws://127.0.0.1:8080/v1/ws']);
    expect(parseUrls('127.0.0.1:18900, wss://chat.example.com')).toEqual([
      'ws://127.0.0.1:18900/v1/ws',
      'wss://chat.example.com/v1/ws',
    ]);
    expect(() => parseUrls('http://x:1')).toThrow(UsageError);
    expect(() => parseUrls(' , ')).toThrow(/names no gateway/);
  });

  it('a given token wins, and names its user and device', async () => {
    const token = await signDeviceToken({ secret: 's', user: 'alice', device: 'laptop', ttlSeconds: 60 });
    expect(peekClaims(token)).toEqual({ user: 'alice', device: 'laptop' });
    expect(peekClaims('not-a-jwt')).toEqual({ user: undefined, device: undefined });
    const target = resolveTarget({ url: 'localhost:1', token, user: 'bob', device: 'x', 'data-dir': '/nowhere' });
    expect(target).toMatchObject({ token, user: 'alice', device: 'laptop', signedHere: false });
  });

  it('--user/--device sign a fresh development token with the dev secret of the data folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dev-'));
    try {
      writeFileSync(join(dir, 'jwt-secret'), 'dev-secret\n');
      const target = resolveTarget({ url: 'localhost:1', user: 'bob', device: 'phone', 'data-dir': dir });
      expect(target).toMatchObject({ user: 'bob', device: 'phone', signedHere: true });
      const token = typeof target.token === 'function' ? await target.token() : target.token;
      expect(peekClaims(token)).toEqual({ user: 'bob', device: 'phone' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a token or a secret, the error says what to do', () => {
    expect(() => resolveTarget({ url: 'x:1', 'data-dir': '/nowhere' })).toThrow(/--token .* or --user and --device/);
    expect(() => resolveTarget({ url: 'x:1', user: 'bob', device: 'p', 'data-dir': '/nowhere' })).toThrow(
      /jwt-secret is missing/,
    );
    expect(() => resolveTarget({ url: 'x:1', user: 'bob!', device: 'p', 'data-dir': '/nowhere' })).toThrow(
      /--user must match/,
    );
  });
});
