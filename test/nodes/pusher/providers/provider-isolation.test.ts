import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeApns } from '../../../../src/nodes/pusher/fakes/fake-apns.js';
import { FakeFcm } from '../../../../src/nodes/pusher/fakes/fake-fcm.js';
import { TestCa } from '../../../../src/nodes/pusher/fakes/test-ca.js';
import { createApnsProvider } from '../../../../src/nodes/pusher/providers/apns-provider.js';
import { createFcmProvider } from '../../../../src/nodes/pusher/providers/fcm-provider.js';
import type { PushNotification, PushProvider } from '../../../../src/nodes/pusher/providers/push-provider.js';

const notification = (token: string): PushNotification => ({
  token,
  title: 'Ops',
  body: 'bob: deploy done',
  badge: 1,
  room: 'room-ops',
});

describe('push providers side by side', () => {
  // One test CA for both fakes, as the dev cluster runs them.
  const ca = TestCa.create();
  const apnsFake = new FakeApns({ ca });
  const fcmFake = new FakeFcm({ ca });
  let apns: PushProvider;
  let fcm: PushProvider;

  beforeAll(async () => {
    const [apnsInfo, fcmInfo] = await Promise.all([apnsFake.start(), fcmFake.start()]);
    apns = createApnsProvider({ ...apnsInfo.settings, timeoutMs: 2000 });
    fcm = createFcmProvider({ ...fcmInfo.settings, timeoutMs: 2000 });
  });
  afterAll(async () => {
    await Promise.all([apns.close(), fcm.close()]);
    await Promise.all([apnsFake.stop(), fcmFake.stop()]);
  });

  it('an APNs that hangs or is down does not hold up FCM sends', async () => {
    expect((await fcm.send(notification(FakeFcm.newRegistrationToken()))).kind).toBe('sent');
    await apnsFake.setMode({ kind: 'slow', delayMs: 3000 });
    const hanging = apns.send(notification(FakeApns.newDeviceToken()));
    const started = Date.now();
    for (let i = 0; i < 5; i += 1)
      expect((await fcm.send(notification(FakeFcm.newRegistrationToken()))).kind).toBe('sent');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(await hanging).toMatchObject({ kind: 'retry' });

    await apnsFake.setMode({ kind: 'down' });
    const [apnsOutcome, fcmOutcome] = await Promise.all([
      apns.send(notification(FakeApns.newDeviceToken())),
      fcm.send(notification(FakeFcm.newRegistrationToken())),
    ]);
    expect(apnsOutcome.kind).toBe('retry');
    expect(fcmOutcome.kind).toBe('sent');
    await apnsFake.setMode({ kind: 'ok' });
    expect((await apns.send(notification(FakeApns.newDeviceToken()))).kind).toBe('sent');
  });

  it('both fakes record to their own log and notify onAccepted', async () => {
    const seen: string[] = [];
    const offs = [
      apnsFake.onAccepted((p) => seen.push(`${p.platform}:${p.room}`)),
      fcmFake.onAccepted((p) => seen.push(`${p.platform}:${p.room}`)),
    ];
    await apns.send(notification(FakeApns.newDeviceToken()));
    await fcm.send(notification(FakeFcm.newRegistrationToken()));
    offs.forEach((off) => off());
    expect(seen).toEqual(['apns:room-ops', 'fcm:room-ops']);
    expect(apnsFake.accepted.every((p) => p.platform === 'apns')).toBe(true);
    expect(fcmFake.accepted.every((p) => p.platform === 'fcm')).toBe(true);
  });
});
