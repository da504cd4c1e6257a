import { generateKeyPairSync } from 'node:crypto';
import http2 from 'node:http2';
import { SignJWT, importPKCS8 } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FakeApns, type FakeApnsInfo } from '../../../../src/nodes/pusher/fakes/fake-apns.js';
import { createApnsProvider } from '../../../../src/nodes/pusher/providers/apns-provider.js';
import type { PushNotification, PushProvider } from '../../../../src/nodes/pusher/providers/push-provider.js';

function push(overrides: Partial<PushNotification> = {}): PushNotification {
  return {
    token: FakeApns.newDeviceToken(),
    title: 'Design team',
    body: 'alice: the mockups are in',
    badge: 3,
    room: 'room-design',
    collapseId: 'dev1:room-design',
    threadId: 'room-design',
    ...overrides,
  };
}

/** A raw HTTP/2 request to the fake, to see its answers without the library in between. */
async function rawApns(
  info: FakeApnsInfo,
  headers: Record<string, string>,
  body: string,
): Promise<{ status: number; body: string }> {
  const session = http2.connect(`https://localhost:${info.port}`, { ca: info.caPem });
  try {
    return await new Promise((resolve, reject) => {
      const request = session.request({ ':method': 'POST', ...headers });
      let status = 0;
      let text = '';
      request.setEncoding('utf8');
      request.on('response', (response) => (status = Number(response[':status'])));
      request.on('data', (chunk: string) => (text += chunk));
      request.on('end', () => resolve({ status, body: text }));
      request.on('error', reject);
      request.end(body);
    });
  } finally {
    session.close();
  }
}

describe('apns provider against the fake APNs', () => {
  const fake = new FakeApns();
  let info: FakeApnsInfo;
  let provider: PushProvider;

  beforeAll(async () => {
    info = await fake.start();
    provider = createApnsProvider({ ...info.settings, timeoutMs: 1000 });
  });
  afterEach(async () => {
    await fake.setMode({ kind: 'ok' });
  });
  afterAll(async () => {
    await provider.close();
    await fake.stop();
  });

  it('a push is accepted and recorded with title, body, badge and room', async () => {
    const notification = push();
    const outcome = await provider.send(notification);
    expect(outcome.kind).toBe('sent');
    const accepted = fake.accepted.find((p) => p.token === notification.token);
    expect(accepted).toMatchObject({
      platform: 'apns',
      title: 'Design team',
      body: 'alice: the mockups are in',
      badge: 3,
      room: 'room-design',
      collapseId: 'dev1:room-design',
      threadId: 'room-design',
    });
    expect(accepted?.raw).toMatchObject({
      headers: { 'apns-topic': fake.topic, 'apns-push-type': 'alert', 'apns-priority': '10' },
    });
  });

  it('a content-free push carries the badge and the room but no alert', async () => {
    const notification = push({ title: '', body: '', badge: 9 });
    expect((await provider.send(notification)).kind).toBe('sent');
    const accepted = fake.accepted.find((p) => p.token === notification.token);
    expect(accepted).toMatchObject({ title: '', body: '', badge: 9, room: 'room-design' });
    expect(accepted?.raw).not.toHaveProperty('payload.aps.alert');
  });

  it('onAccepted sees each accepted push', async () => {
    const seen: string[] = [];
    const off = fake.onAccepted((p) => seen.push(p.token));
    const notification = push();
    await provider.send(notification);
    off();
    await provider.send(push());
    expect(seen).toEqual([notification.token]);
  });

  it('a killed token is a dead token (410 Unregistered)', async () => {
    const notification = push();
    fake.killToken(notification.token);
    const outcome = await provider.send(notification);
    expect(outcome).toMatchObject({ kind: 'dead-token' });
    expect(outcome.kind === 'dead-token' && outcome.reason).toMatch(/^Unregistered since \d+$/);
  });

  it('a bad token is a dead token (400 BadDeviceToken)', async () => {
    const notification = push();
    fake.badToken(notification.token);
    expect(await provider.send(notification)).toEqual({ kind: 'dead-token', reason: 'BadDeviceToken' });
    expect(await provider.send(push({ token: 'not-a-device-token' }))).toEqual({
      kind: 'dead-token',
      reason: 'BadDeviceToken',
    });
    expect(await provider.send(push({ token: '' }))).toEqual({ kind: 'dead-token', reason: 'empty device token' });
  });

  it('429 is a retry, made once (the library does not retry on its own)', async () => {
    await fake.setMode({ kind: 'status', status: 429, retryAfterSec: 5 });
    const before = fake.accepted.length;
    expect(await provider.send(push())).toEqual({ kind: 'retry', reason: '429 TooManyRequests' });
    expect(fake.accepted.length).toBe(before);
  });

  it('500 and 503 are retries', async () => {
    await fake.setMode({ kind: 'status', status: 500 });
    expect(await provider.send(push())).toMatchObject({ kind: 'retry', reason: expect.stringContaining('500') });
    await fake.setMode({ kind: 'status', status: 503 });
    expect(await provider.send(push())).toEqual({ kind: 'retry', reason: '503 ServiceUnavailable' });
    await fake.setMode({ kind: 'ok' });
    expect((await provider.send(push())).kind).toBe('sent');
  });

  it('down is a retry, and the same provider sends again once APNs is back', async () => {
    expect((await provider.send(push())).kind).toBe('sent');
    await fake.setMode({ kind: 'down' });
    const outcome = await provider.send(push());
    expect(outcome).toMatchObject({ kind: 'retry', reason: expect.stringContaining('apns transport') });
    await fake.setMode({ kind: 'ok' });
    expect((await provider.send(push())).kind).toBe('sent');
  });

  it('slower than the timeout is a retry, and the push is not delivered', async () => {
    await fake.setMode({ kind: 'slow', delayMs: 1500 });
    const notification = push();
    const started = Date.now();
    expect(await provider.send(notification)).toMatchObject({ kind: 'retry' });
    expect(Date.now() - started).toBeLessThan(1400);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(fake.accepted.some((p) => p.token === notification.token)).toBe(false);
  });

  it('a topic other than the app is refused (400 TopicDisallowed) and rejected', async () => {
    const other = createApnsProvider({ ...info.settings, topic: 'com.example.other', timeoutMs: 1000 });
    try {
      expect(await other.send(push())).toEqual({ kind: 'rejected', reason: '400 TopicDisallowed' });
    } finally {
      await other.close();
    }
  });

  it('a JWT signed with another key, or for another team, is refused (403 InvalidProviderToken)', async () => {
    const otherKey = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const settings of [
      { ...info.settings, keyPem: otherKey },
      { ...info.settings, teamId: 'TEAM000000' },
      { ...info.settings, keyId: 'KEY0000000' },
    ]) {
      const other = createApnsProvider({ ...settings, timeoutMs: 1000 });
      try {
        expect(await other.send(push())).toEqual({ kind: 'rejected', reason: '403 InvalidProviderToken' });
      } finally {
        await other.close();
      }
    }
  });

  it('a provider token verified once is checked for its age on every request', async () => {
    const key = await importPKCS8(fake.keyPem, 'ES256');
    const iat = Math.floor(Date.now() / 1000);
    const jwt = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: fake.keyId })
      .setIssuer(fake.teamId)
      .setIssuedAt(iat)
      .sign(key);
    const headers = {
      ':path': `/3/device/${FakeApns.newDeviceToken()}`,
      authorization: `bearer ${jwt}`,
      'apns-topic': fake.topic,
    };
    const payload = JSON.stringify({ aps: { alert: 'hi' } });
    expect((await rawApns(info, headers, payload)).status).toBe(200);
    expect((await rawApns(info, headers, payload)).status).toBe(200);
    // The same token an hour and a bit later: refused, though its signature was checked before.
    const now = Date.now();
    const later = vi.spyOn(Date, 'now').mockReturnValue(now + 3700 * 1000);
    try {
      expect(await rawApns(info, headers, payload)).toEqual({ status: 403, body: '{"reason":"ExpiredProviderToken"}' });
    } finally {
      later.mockRestore();
    }
    // A token with a bad signature is refused however often it comes.
    const forged = `${jwt.slice(0, -4)}${jwt.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    for (let i = 0; i < 2; i++) {
      expect(await rawApns(info, { ...headers, authorization: `bearer ${forged}` }, payload)).toEqual({
        status: 403,
        body: '{"reason":"InvalidProviderToken"}',
      });
    }
  });

  it('the fake answers missing topics, stale JWTs and unknown paths as Apple does', async () => {
    const key = await importPKCS8(fake.keyPem, 'ES256');
    const jwt = async (iat: number): Promise<string> =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: fake.keyId })
        .setIssuer(fake.teamId)
        .setIssuedAt(iat)
        .sign(key);
    const now = Math.floor(Date.now() / 1000);
    const payload = JSON.stringify({ aps: { alert: 'hi' } });
    const path = `/3/device/${FakeApns.newDeviceToken()}`;
    expect(await rawApns(info, { ':path': path, authorization: `bearer ${await jwt(now)}` }, payload)).toEqual({
      status: 400,
      body: '{"reason":"MissingTopic"}',
    });
    expect(
      await rawApns(
        info,
        { ':path': path, authorization: `bearer ${await jwt(now - 7200)}`, 'apns-topic': fake.topic },
        payload,
      ),
    ).toEqual({
      status: 403,
      body: '{"reason":"ExpiredProviderToken"}',
    });
    expect(await rawApns(info, { ':path': path, 'apns-topic': fake.topic }, payload)).toEqual({
      status: 403,
      body: '{"reason":"MissingProviderToken"}',
    });
    expect(await rawApns(info, { ':path': '/2/device/x', authorization: `bearer ${await jwt(now)}` }, payload)).toEqual(
      {
        status: 404,
        body: '{"reason":"BadPath"}',
      },
    );
    const big = JSON.stringify({ aps: { alert: 'x'.repeat(5000) } });
    expect(
      await rawApns(info, { ':path': path, authorization: `bearer ${await jwt(now)}`, 'apns-topic': fake.topic }, big),
    ).toEqual({
      status: 413,
      body: '{"reason":"PayloadTooLarge"}',
    });
  });
});
