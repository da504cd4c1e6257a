import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * The virtual devices' hello tokens: HS256 JWTs with the claims of `signDeviceToken`
 * (src/core/auth/jwt.ts: `device`, `sub`, `iat`, `exp`), signed synchronously with node:crypto.
 *
 * The token is what a real app gets from its backend, not part of the client library, so the
 * simulator may make it as cheaply as it can: jose signs through WebCrypto, a key import and a
 * thread-pool job per token, which was 14% of a load process's CPU while it connected 15,000
 * devices (perf, 30,000-device run); an HMAC over ~150 bytes here is a few microseconds.
 */
export class DeviceTokenMinter {
  private readonly key: KeyObject;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  mint(user: string, device: string): string {
    const iat = Math.floor(this.now() / 1000);
    const payload = Buffer.from(JSON.stringify({ device, sub: user, iat, exp: iat + this.ttlSeconds })).toString(
      'base64url',
    );
    const signed = `${HEADER}.${payload}`;
    return `${signed}.${createHmac('sha256', this.key).update(signed).digest('base64url')}`;
  }
}
