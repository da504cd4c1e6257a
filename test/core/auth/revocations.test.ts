import type { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { revocationSecond, TokenRevocations } from '../../../src/core/auth/revocations.js';

describe('token revocations', () => {
  const revocations = () => new TokenRevocations({} as Redis, 'chat');

  it('refuses tokens issued before a user-wide revocation, on every device, and not those after', () => {
    const list = revocations();
    list.apply('alice', undefined, 1000);
    expect(list.refusal({ user: 'alice', device: 'laptop', issuedAt: 999 })).toMatch(/revoked/);
    expect(list.refusal({ user: 'alice', device: 'phone', issuedAt: 999 })).toMatch(/revoked/);
    expect(list.refusal({ user: 'alice', device: 'phone', issuedAt: 1000 })).toBeUndefined();
    expect(list.refusal({ user: 'bob', device: 'phone', issuedAt: 1 })).toBeUndefined();
  });

  it('a device revocation leaves the other devices alone; a token without iat counts as older', () => {
    const list = revocations();
    list.apply('alice', 'laptop', 1000);
    expect(list.refusal({ user: 'alice', device: 'laptop', issuedAt: undefined })).toMatch(/revoked/);
    expect(list.refusal({ user: 'alice', device: 'phone', issuedAt: 1 })).toBeUndefined();
  });

  it('counts from the second after the kick: a token of the same second may be older', () => {
    expect(revocationSecond(1_700_000_000_999)).toBe(1_700_000_001);
    expect(revocationSecond(1_700_000_000_000)).toBe(1_700_000_001);
  });
});
