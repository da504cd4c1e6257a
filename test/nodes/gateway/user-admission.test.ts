import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../src/core/protocol/errors.js';
import { UserAdmission } from '../../../src/nodes/gateway/user-admission.js';

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('gateway - user admission', () => {
  it('a user gets maxConnectionsPerUser connections here, the next is rate_limited until one is released', async () => {
    const admission = new UserAdmission({ maxConnectionsPerUser: 2, maxDevicesPerUser: 10 }, async () => ({
      registered: true,
      otherDevices: 0,
    }));
    await admission.admit('u', 'd');
    await admission.admit('u', 'd');
    const refused = await refusal(admission.admit('u', 'd'));
    expect(refused).toBeInstanceOf(ProtocolError);
    expect(refused).toMatchObject({ code: 'rate_limited' });
    expect((refused as ProtocolError).retryAfterMs).toBeGreaterThan(0);
    await admission.admit('other', 'd');
    admission.release('u');
    await admission.admit('u', 'd');
    expect(admission.heldBy('u')).toBe(2);
  });

  it('simultaneous admits cannot all slip past the connection cap while the device lookup is pending', async () => {
    let resolveLookup = () => {};
    const lookup = new Promise<void>((resolve) => (resolveLookup = resolve));
    const admission = new UserAdmission({ maxConnectionsPerUser: 3, maxDevicesPerUser: 10 }, async () => {
      await lookup;
      return { registered: true, otherDevices: 0 };
    });
    const attempts = Array.from({ length: 8 }, () => refusal(admission.admit('u', 'd')));
    resolveLookup();
    const outcomes = await Promise.all(attempts);
    expect(outcomes.filter((outcome) => outcome === undefined)).toHaveLength(3);
    expect(admission.heldBy('u')).toBe(3);
  });

  it('a device the registry refuses (the user has maxDevicesPerUser others) is rate_limited and gives its slot back', async () => {
    const online = new Set(['phone', 'laptop']);
    const asked: Array<[string, string, number]> = [];
    const admission = new UserAdmission(
      { maxConnectionsPerUser: 10, maxDevicesPerUser: 2 },
      async (user, device, max) => {
        asked.push([user, device, max]);
        const others = [...online].filter((d) => d !== device).length;
        return { registered: others < max, otherDevices: others };
      },
    );
    const refused = await refusal(admission.admit('u', 'tablet'));
    expect(refused).toMatchObject({
      code: 'rate_limited',
      message: expect.stringMatching(/already has 2 devices online/),
    });
    expect(admission.heldBy('u')).toBe(0);
    await admission.admit('u', 'phone');
    expect(admission.heldBy('u')).toBe(1);
    expect(asked).toEqual([
      ['u', 'tablet', 2],
      ['u', 'phone', 2],
    ]);
  });

  it('a failed device lookup gives the slot back and fails the admit', async () => {
    const admission = new UserAdmission({ maxConnectionsPerUser: 1, maxDevicesPerUser: 2 }, async () =>
      Promise.reject(new Error('redis down')),
    );
    await expect(admission.admit('u', 'd')).rejects.toThrow('redis down');
    expect(admission.heldBy('u')).toBe(0);
  });
});
