import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { TokenVerifier } from '../../../src/core/auth/jwt.js';

const SECRET = 'k'.repeat(32);
const now = () => Math.floor(Date.now() / 1000);

function tokenWith(claims: { iat?: number; exp: number }): Promise<string> {
  let jwt = new SignJWT({ device: 'laptop' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('alice')
    .setExpirationTime(claims.exp);
  if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
  return jwt.sign(new TextEncoder().encode(SECRET));
}

describe('token verifier', () => {
  it('refuses an HS256 secret shorter than 32 bytes, counted in UTF-8 bytes of the string', async () => {
    await expect(TokenVerifier.create({ secret: 'k'.repeat(31) })).rejects.toThrow(/at least 32 bytes.*31/);
    await expect(TokenVerifier.create({ secret: 'k'.repeat(32) })).resolves.toBeInstanceOf(TokenVerifier);
    // 16 characters of 2 bytes each: 32 bytes.
    await expect(TokenVerifier.create({ secret: 'é'.repeat(16) })).resolves.toBeInstanceOf(TokenVerifier);
  });

  it('refuses a JWKS URL that is not https: or file:', async () => {
    await expect(TokenVerifier.create({ jwksUrl: 'http://keys.example.com/jwks.json' })).rejects.toThrow(/https:/);
    await expect(TokenVerifier.create({ jwksUrl: 'ftp://keys.example.com/jwks.json' })).rejects.toThrow(/https:/);
    await expect(TokenVerifier.create({ jwksUrl: 'https://keys.example.com/jwks.json' })).resolves.toBeInstanceOf(
      TokenVerifier,
    );
  });

  it('with a lifetime cap, refuses a token whose exp is further away than the cap, with or without iat', async () => {
    const verifier = await TokenVerifier.create({ secret: SECRET, maxTokenTtlSec: 3600 });
    // Each expected value from the same clock reading as its token: a second may tick in between.
    const at = now();
    expect((await verifier.verify(await tokenWith({ exp: at + 3000 }))).expiresAt).toBe((at + 3000) * 1000);
    const later = now();
    expect((await verifier.verify(await tokenWith({ iat: later - 86_400, exp: later + 600 }))).expiresAt).toBe(
      (later + 600) * 1000,
    );
    await expect(verifier.verify(await tokenWith({ exp: now() + 7200 }))).rejects.toThrow(/max-token-ttl/);
    // An issue time in the past does not buy a longer life.
    await expect(verifier.verify(await tokenWith({ iat: now() - 86_400 * 365, exp: now() + 86_400 }))).rejects.toThrow(
      /max-token-ttl/,
    );
  });

  it('without a cap, a token lives until its exp', async () => {
    const verifier = await TokenVerifier.create({ secret: SECRET });
    const at = now();
    const identity = await verifier.verify(await tokenWith({ exp: at + 86_400 * 30 }));
    expect(identity.expiresAt).toBe((at + 86_400 * 30) * 1000);
  });

  it('refuses an HS256 token that is expired, signed with another secret, unsigned, or missing sub', async () => {
    const verifier = await TokenVerifier.create({ secret: SECRET });
    await expect(verifier.verify(await tokenWith({ exp: now() - 10 }))).rejects.toThrow(/expired/);
    const otherSecret = await new SignJWT({ device: 'laptop' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode('o'.repeat(32)));
    await expect(verifier.verify(otherSecret)).rejects.toThrow(/signature/);
    const [, payload] = (await tokenWith({ exp: now() + 60 })).split('.');
    const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${payload}.`;
    await expect(verifier.verify(unsigned)).rejects.toThrow();
    const noSub = await new SignJWT({ device: 'laptop' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verify(noSub)).rejects.toThrow(/sub/);
  });

  it('with an issuer and an audience set, refuses HS256 tokens from another issuer or for another audience', async () => {
    const verifier = await TokenVerifier.create({ secret: SECRET, issuer: 'https://id.example', audience: 'chat' });
    const signed = (iss: string, aud: string) =>
      new SignJWT({ device: 'laptop' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('alice')
        .setIssuer(iss)
        .setAudience(aud)
        .setExpirationTime(now() + 60)
        .sign(new TextEncoder().encode(SECRET));
    expect((await verifier.verify(await signed('https://id.example', 'chat'))).user).toBe('alice');
    await expect(verifier.verify(await signed('https://id.example.evil', 'chat'))).rejects.toThrow(/iss/);
    await expect(verifier.verify(await signed('https://id.example', 'chatter'))).rejects.toThrow(/aud/);
    const unnamed = await new SignJWT({ device: 'laptop' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode(SECRET));
    await expect(verifier.verify(unnamed)).rejects.toThrow(/iss/);
  });
});
