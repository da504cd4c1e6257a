import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeApns, FakeFcm, TestCa, type AcceptedPush } from '../../src/nodes/pusher/fakes/index.js';
import { connectDevice, range, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * Push end to end: fan-out decisions, the JetStream work queue and a real `chat-node pusher`
 * process whose @parse/node-apn and firebase-admin talk to local fakes of APNs and FCM, which
 * this test tells to fail.
 */
const cluster = new IsolatedCluster();
const ca = TestCa.create();
const apns = new FakeApns({ ca });
const fcm = new FakeFcm({ ca });
let gateway: RoleProcess;
let pusher: RoleProcess;
let pusherArgs: string[];
const open: TestDevice[] = [];

async function offlineDevice(user: string, device: string, platform: 'apns' | 'fcm', preview = true): Promise<string> {
  const token = platform === 'apns' ? FakeApns.newDeviceToken() : FakeFcm.newRegistrationToken();
  const connected = await connectDevice(cluster, [gateway], user, device);
  await connected.client.registerPush(platform, token, preview);
  await connected.close();
  return token;
}

const pushesTo = (token: string): AcceptedPush[] =>
  [...apns.accepted, ...fcm.accepted].filter((push) => push.token === token);

beforeAll(async () => {
  const [apnsInfo, fcmInfo] = await Promise.all([apns.start(), fcm.start()]);
  const dir = mkdtempSync(join(tmpdir(), 'chat-push-'));
  const file = (name: string, text: string) => {
    writeFileSync(join(dir, name), text, { mode: 0o600 });
    return join(dir, name);
  };
  pusherArgs = [
    '--collapse-window-ms',
    '400',
    '--apns-key-file',
    file('apns.p8', apnsInfo.settings.keyPem),
    '--apns-key-id',
    apnsInfo.settings.keyId,
    '--apns-team-id',
    apnsInfo.settings.teamId,
    '--apns-topic',
    apnsInfo.settings.topic,
    '--apns-host',
    apnsInfo.settings.host!,
    '--apns-port',
    String(apnsInfo.port),
    '--apns-ca-file',
    file('ca.pem', ca.caPem),
    '--fcm-service-account-file',
    file('fcm.json', JSON.stringify({ ...fcmInfo.settings.serviceAccount, project_id: fcmInfo.settings.projectId })),
    '--fcm-endpoint',
    fcmInfo.settings.endpoint!,
    '--fcm-token-uri',
    fcmInfo.settings.tokenUri!,
    '--fcm-ca-file',
    join(dir, 'ca.pem'),
  ];
  await cluster.setUp();
  // Hold pushes while the user has another device connected (window 0: connected now only).
  await cluster.start('fanout', 'fanout-1', ['--push-policy', 'hold-while-active', '--push-active-window-sec', '0']);
  await cluster.start('presence', 'presence-1');
  pusher = await cluster.start('pusher', 'pusher-1', pusherArgs);
  gateway = await cluster.start('gateway', 'gw-1', ['--send-rate', '1000', '--send-burst', '1000']);
  await cluster.waitReady(gateway);
}, 60_000);

// A failure seen only in CI is read from what the roles printed.
beforeEach(({ onTestFailed }) => onTestFailed(() => console.log(cluster.outputTail())));

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
  await Promise.all([apns.stop(), fcm.stop()]);
});

describe('e2e - push notifications', () => {
  it('a burst to an offline device becomes one notification with the unread badge, on APNs and FCM', async () => {
    const phone = await offlineDevice('bob', 'phone', 'apns');
    const tablet = await offlineDevice('bob', 'tablet', 'fcm');
    const alice = await connectDevice(cluster, [gateway], 'alice', 'laptop');
    open.push(alice);
    const room = await alice.client.createDirect('bob');
    await Promise.all(range(1, 3).map((i) => alice.client.send(room.id, `ping ${i}`)));
    await waitFor(() => pushesTo(phone).length > 0 && pushesTo(tablet).length > 0, 10_000, 'both pushes');
    await new Promise((resolve) => setTimeout(resolve, 600));
    for (const token of [phone, tablet]) {
      expect(pushesTo(token)).toHaveLength(1);
      expect(pushesTo(token)[0]).toMatchObject({
        title: 'alice',
        body: '3 new messages: ping 3',
        badge: 3,
        room: room.id,
      });
    }
  });

  it('a group push names the room; a device without preview gets no content', async () => {
    const withPreview = await offlineDevice('cleo', 'phone', 'fcm');
    const without = await offlineDevice('dave', 'phone', 'apns', false);
    const erin = await connectDevice(cluster, [gateway], 'erin', 'laptop');
    open.push(erin);
    const room = await erin.client.createGroup('Design team', ['cleo', 'dave']);
    await erin.client.send(room.id, 'new mockups are up');
    await waitFor(() => pushesTo(withPreview).length > 0 && pushesTo(without).length > 0, 10_000, 'group pushes');
    expect(pushesTo(withPreview)[0]).toMatchObject({ title: 'Design team', body: 'erin: new mockups are up' });
    expect(pushesTo(without)[0]).toMatchObject({ title: 'chat-node', body: 'New message' });
  });

  it('while APNs is down its jobs are kept and FCM carries on; when it is back the queue drains', async () => {
    const phone = await offlineDevice('fred', 'phone', 'apns');
    const tablet = await offlineDevice('fred', 'tablet', 'fcm');
    const gina = await connectDevice(cluster, [gateway], 'gina', 'laptop');
    open.push(gina);
    const room = await gina.client.createDirect('fred');
    await apns.setMode({ kind: 'down' });
    await gina.client.send(room.id, 'while apns sleeps');
    await waitFor(() => pushesTo(tablet).length > 0, 10_000, 'the FCM push');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(pushesTo(phone)).toEqual([]);
    // A pusher restart while the provider is down loses nothing either.
    await pusher.kill('SIGTERM');
    pusher = await cluster.start('pusher', 'pusher-2', pusherArgs);
    await apns.setMode({ kind: 'ok' });
    // Within the retry backoff, or the ack wait (20 s) if the job went to the stopped pusher's last pull.
    await waitFor(() => pushesTo(phone).length > 0, 30_000, 'the APNs queue to drain');
    expect(pushesTo(phone)[0]).toMatchObject({ title: 'gina', body: 'while apns sleeps' });
  }, 60_000);

  it('throttling and server errors are retried until they pass', async () => {
    const phone = await offlineDevice('hana', 'phone', 'fcm');
    const ivan = await connectDevice(cluster, [gateway], 'ivan', 'laptop');
    open.push(ivan);
    const room = await ivan.client.createDirect('hana');
    await fcm.setMode({ kind: 'status', status: 429, retryAfterSec: 1 });
    await ivan.client.send(room.id, 'throttled');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(pushesTo(phone)).toEqual([]);
    await fcm.setMode({ kind: 'status', status: 500 });
    await new Promise((resolve) => setTimeout(resolve, 800));
    await fcm.setMode({ kind: 'ok' });
    await waitFor(() => pushesTo(phone).length > 0, 20_000, 'the retried push');
    const metrics = await (await fetch(`http://127.0.0.1:${pusher.port}/metrics`)).text();
    expect(metrics).toMatch(/chat_pusher_retried_total\{platform="fcm"[^}]*\} [1-9]/);
  }, 40_000);

  it('a token the provider reports dead is removed and not tried again', async () => {
    const token = await offlineDevice('jay', 'phone', 'fcm');
    fcm.killToken(token);
    const kim = await connectDevice(cluster, [gateway], 'kim', 'laptop');
    open.push(kim);
    const room = await kim.client.createDirect('jay');
    await kim.client.send(room.id, 'hello?');
    await waitFor(
      async () => (await cluster.query('SELECT 1 FROM push_registrations WHERE user_id = $1', ['jay'])).length === 0,
      10_000,
      'the dead token to go',
    );
    const deadTokens = async () =>
      Number(
        /chat_pusher_dead_tokens_removed_total\{platform="fcm"[^}]*\} (\d+)/.exec(
          await (await fetch(`http://127.0.0.1:${pusher.port}/metrics`)).text(),
        )?.[1] ?? 0,
      );
    const before = await deadTokens();
    await kim.client.send(room.id, 'still there?');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await deadTokens()).toBe(before);
    expect(pushesTo(token)).toEqual([]);
  });

  it('a user active on another device gets no push (hold-while-active)', async () => {
    const phone = await offlineDevice('lena', 'phone', 'apns');
    const laptop = await connectDevice(cluster, [gateway], 'lena', 'laptop');
    const max = await connectDevice(cluster, [gateway], 'max', 'laptop');
    open.push(max);
    const room = await max.client.createDirect('lena');
    await max.client.send(room.id, 'you are on your laptop');
    await laptop.waitForCount(room.id, 1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(pushesTo(phone)).toEqual([]);
    await laptop.close();
    // The gateway takes the laptop's route down a moment after the close: a message sent before
    // that still finds lena connected, and the policy holds its push as it should.
    await waitFor(async () => !(await cluster.devicesRoutedFor('lena')).includes('laptop'), 5_000, 'the route to go');
    await max.client.send(room.id, 'now you are away');
    await waitFor(() => pushesTo(phone).length > 0, 10_000, 'the push once no device is active');
    expect(pushesTo(phone)[0]).toMatchObject({ body: 'now you are away' });
  });

  it('a pusher killed with SIGKILL loses no job', async () => {
    const phone = await offlineDevice('nora', 'phone', 'apns');
    const otto = await connectDevice(cluster, [gateway], 'otto', 'laptop');
    open.push(otto);
    const room = await otto.client.createDirect('nora');
    await apns.setMode({ kind: 'down' });
    await otto.client.send(room.id, 'survives a crash');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await pusher.kill('SIGKILL');
    await apns.setMode({ kind: 'ok' });
    pusher = await cluster.start('pusher', 'pusher-3', pusherArgs);
    // Jobs the dead pusher held come back after the ack wait (20 s).
    await waitFor(() => pushesTo(phone).length > 0, 35_000, 'the job after the crash');
    expect(pushesTo(phone)).toHaveLength(1);
  }, 60_000);
});
