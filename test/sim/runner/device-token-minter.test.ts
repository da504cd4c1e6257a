import { decodeJwt, decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { signDeviceToken, TokenVerifier } from '../../../src/core/auth/jwt.js';
import { DeviceTokenMinter } from '../../../src/sim/runner/device-token-minter.js';

const SECRET = 'sim-minter-test-secret-of-32-bytes-or-more';

describe('device token minter', () => {
  it("the gateway's verifier accepts its tokens and reads the user, device and expiry", async () => {
    const verifier = await TokenVerifier.create({ secret: SECRET });
    const now = Date.now();
    const identity = await verifier.verify(new DeviceTokenMinter(SECRET, 3600, () => now).mint('s1a2b3-u17', 'd2'));
    expect(identity).toMatchObject({
      user: 's1a2b3-u17',
      device: 'd2',
      expiresAt: (Math.floor(now / 1000) + 3600) * 1000,
    });
  });

  it('the same header and claims as signDeviceToken', async () => {
    const minted = new DeviceTokenMinter(SECRET, 600).mint('alice', 'phone');
    const signed = await signDeviceToken({ secret: SECRET, user: 'alice', device: 'phone', ttlSeconds: 600 });
    expect(decodeProtectedHeader(minted)).toEqual(decodeProtectedHeader(signed));
    const [a, b] = [decodeJwt(minted), decodeJwt(signed)];
    expect(Object.keys(a).sort()).toEqual(Object.keys(b).sort());
    expect({ sub: a.sub, device: a['device'] }).toEqual({ sub: b.sub, device: b['device'] });
    expect(Math.abs(a.exp! - b.exp!)).toBeLessThanOrEqual(1);
  });

  it('a token from another secret or one that expired is refused', async () => {
    const verifier = await TokenVerifier.create({ secret: SECRET });
    await expect(
      verifier.verify(new DeviceTokenMinter('another-secret', 600).mint('alice', 'phone')),
    ).rejects.toThrow();
    const hourAgo = Date.now() - 3_600_000;
    await expect(
      verifier.verify(new DeviceTokenMinter(SECRET, 60, () => hourAgo).mint('alice', 'phone')),
    ).rejects.toThrow(/exp/);
  });
});
