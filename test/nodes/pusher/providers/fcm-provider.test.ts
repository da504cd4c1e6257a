import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeFcm, type FakeFcmInfo } from '../../../../src/nodes/pusher/fakes/fake-fcm.js';
import { createFcmProvider, type FcmSettings } from '../../../../src/nodes/pusher/providers/fcm-provider.js';
import type { PushNotification, PushProvider } from '../../../../src/nodes/pusher/providers/push-provider.js';

function push(overrides: Partial<PushNotification> = {}): PushNotification {
  return {
    token: FakeFcm.newRegistrationToken(),
    title: 'Design team',
    body: 'alice: the mockups are in',
    badge: 3,
    room: 'room-design',
    collapseId: 'dev1:room-design',
    threadId: 'room-design',
    ...overrides,
  };
}

describe('fcm provider against the fake FCM', () => {
  const fake = new FakeFcm();
  let info: FakeFcmInfo;
  let provider: PushProvider;
  const others: PushProvider[] = [];
  const another = (settings: Partial<FcmSettings>): PushProvider => {
    const created = createFcmProvider({ ...info.settings, timeoutMs: 1000, ...settings });
    others.push(created);
    return created;
  };

  beforeAll(async () => {
    info = await fake.start();
    provider = createFcmProvider({ ...info.settings, timeoutMs: 1000 });
  });
  afterEach(async () => {
    await fake.setMode({ kind: 'ok' });
  });
  afterAll(async () => {
    await Promise.all([provider, ...others].map((p) => p.close()));
    await fake.stop();
  });

  it('a push is accepted and recorded with title, body, badge and room', async () => {
    const notification = push();
    expect((await provider.send(notification)).kind).toBe('sent');
    const accepted = fake.accepted.find((p) => p.token === notification.token);
    expect(accepted).toMatchObject({
      platform: 'fcm',
      title: 'Design team',
      body: 'alice: the mockups are in',
      badge: 3,
      room: 'room-design',
      collapseId: 'dev1:room-design',
      threadId: 'room-design',
    });
    // The wire format is FCM v1's: snake_case, data values as strings.
    expect(accepted?.raw).toMatchObject({
      message: {
        notification: { title: 'Design team', body: 'alice: the mockups are in' },
        data: { room: 'room-design', badge: '3' },
        android: { collapse_key: 'dev1:room-design', notification: { tag: 'room-design', notification_count: 3 } },
        apns: {
          headers: { 'apns-collapse-id': 'dev1:room-design' },
          payload: { aps: { badge: 3, 'thread-id': 'room-design' } },
        },
      },
    });
  });

  it('a content-free push is a data message with the badge and the room', async () => {
    const notification = push({ title: '', body: '', badge: 0 });
    expect((await provider.send(notification)).kind).toBe('sent');
    const accepted = fake.accepted.find((p) => p.token === notification.token);
    expect(accepted).toMatchObject({ title: '', body: '', badge: 0, room: 'room-design' });
    expect(accepted?.raw).not.toHaveProperty('message.notification');
  });

  it('the OAuth token comes from the fake once and is reused for later sends', async () => {
    const fresh = another({});
    const grantsBefore = fake.grants;
    for (let i = 0; i < 3; i += 1) expect((await fresh.send(push())).kind).toBe('sent');
    expect(fake.grants).toBe(grantsBefore + 1);
  });

  it('a killed token is a dead token (UNREGISTERED)', async () => {
    const notification = push();
    fake.killToken(notification.token);
    expect(await provider.send(notification)).toEqual({
      kind: 'dead-token',
      reason: 'messaging/registration-token-not-registered: Requested entity was not found.',
    });
  });

  it('a bad token is a dead token (INVALID_ARGUMENT about the registration token)', async () => {
    const notification = push();
    fake.badToken(notification.token);
    const expected = {
      kind: 'dead-token',
      reason: 'messaging/invalid-argument: The registration token is not a valid FCM registration token',
    };
    expect(await provider.send(notification)).toEqual(expected);
    expect(await provider.send(push({ token: 'not a token' }))).toEqual(expected);
    expect(await provider.send(push({ token: '' }))).toEqual({
      kind: 'dead-token',
      reason: 'empty registration token',
    });
  });

  it('a message the library refuses before sending is rejected, not thrown', async () => {
    // A non-string header value, which firebase-admin refuses synchronously inside send().
    const outcome = await provider.send(push({ collapseId: 5 as unknown as string }));
    expect(outcome).toMatchObject({ kind: 'rejected', reason: expect.stringContaining('messaging/invalid-payload') });
  });

  it('429 is a retry that honours Retry-After', async () => {
    await fake.setMode({ kind: 'status', status: 429, retryAfterSec: 7 });
    expect(await provider.send(push())).toMatchObject({
      kind: 'retry',
      reason: expect.stringContaining('message-rate-exceeded'),
      retryAfterMs: 7000,
    });
  });

  it('500 and 503 are retries, answered at once (the library does not retry 503 on its own)', async () => {
    await fake.setMode({ kind: 'status', status: 500 });
    expect(await provider.send(push())).toEqual({
      kind: 'retry',
      reason: 'messaging/internal-error: Internal error encountered.',
    });
    await fake.setMode({ kind: 'status', status: 503, retryAfterSec: 30 });
    const started = Date.now();
    expect(await provider.send(push())).toEqual({
      kind: 'retry',
      reason: 'messaging/server-unavailable: The service is currently unavailable.',
      retryAfterMs: 30_000,
    });
    // firebase-admin alone would sleep the 30 s of Retry-After and ask again.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('down is a retry, and the same provider sends again once FCM is back', async () => {
    const port = info.port;
    expect((await provider.send(push())).kind).toBe('sent');
    await fake.setMode({ kind: 'down' });
    expect(await provider.send(push())).toMatchObject({
      kind: 'retry',
      reason: expect.stringContaining('app/network-error'),
    });
    expect(await provider.send(push())).toMatchObject({
      kind: 'retry',
      reason: expect.stringContaining('ECONNREFUSED'),
    });
    await fake.setMode({ kind: 'ok' });
    expect((await provider.send(push())).kind).toBe('sent');
    expect(fake.port).toBe(port);
  });

  it('slower than the timeout is a retry, and the push is not delivered', async () => {
    await fake.setMode({ kind: 'slow', delayMs: 1500 });
    const notification = push();
    expect(await provider.send(notification)).toEqual({ kind: 'retry', reason: 'fcm timeout after 1000 ms' });
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(fake.accepted.some((p) => p.token === notification.token)).toBe(false);
  });

  it('a service account the fake does not know gets no token and its sends are rejected', async () => {
    const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const impostor = another({ serviceAccount: { ...info.settings.serviceAccount, private_key: otherKey } });
    expect(await impostor.send(push())).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('invalid_grant: Invalid JWT Signature.'),
    });
    const stranger = another({
      serviceAccount: { ...info.settings.serviceAccount, client_email: 'someone@elsewhere.iam.gserviceaccount.com' },
    });
    expect(await stranger.send(push())).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('account not found'),
    });
  });

  it('a revoked access token is refused (401) and the send rejected', async () => {
    const fresh = another({});
    expect((await fresh.send(push())).kind).toBe('sent');
    fake.revokeAccessTokens();
    expect(await fresh.send(push())).toMatchObject({
      kind: 'rejected',
      reason: expect.stringContaining('invalid authentication credentials'),
    });
  });

  it('a token endpoint that is down is a retry', async () => {
    const fresh = another({ timeoutMs: 4000 });
    await fake.setMode({ kind: 'down' });
    expect(await fresh.send(push())).toMatchObject({ kind: 'retry', reason: expect.stringContaining('ECONNREFUSED') });
  });
});
