import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import type { PushJob } from '../../src/core/push/push-job.js';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, SERVICES, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/** The fan-out's push decisions: which offline devices get a job on the push work queue. */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
let fanout: RoleProcess;
const open: TestDevice[] = [];

async function queuedJobs(platform: 'apns' | 'fcm'): Promise<PushJob[]> {
  const nc = await connect({ servers: SERVICES.nats });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = `${cluster.namespace.toUpperCase()}_PUSH`;
    const info = await jsm.streams.info(stream);
    const jobs: PushJob[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (message && message.subject.endsWith(`.push.${platform}`)) jobs.push(message.json<PushJob>());
    }
    return jobs;
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  await cluster.setUp();
  fanout = await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gw-1');
  await cluster.waitReady(gateway);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
});

describe('e2e - push decisions', () => {
  it('an offline registered device gets a push job; a connected one and the sender do not', async () => {
    const alice = await connectDevice(cluster, [gateway], 'alice', 'laptop');
    const bobPhone = await connectDevice(cluster, [gateway], 'bob', 'phone');
    const bobTablet = await connectDevice(cluster, [gateway], 'bob', 'tablet');
    open.push(alice, bobTablet);
    await bobPhone.client.registerPush('fcm', 'fcm-token-bob-phone', true);
    await bobTablet.client.registerPush('apns', 'b0b7ab1e'.repeat(8), false);
    await alice.client.registerPush('fcm', 'fcm-token-alice', true);
    const stored = await cluster.query(
      'SELECT user_id, device_id, platform, preview FROM push_registrations ORDER BY user_id, device_id',
    );
    expect(stored).toEqual([
      { user_id: 'alice', device_id: 'laptop', platform: 'fcm', preview: true },
      { user_id: 'bob', device_id: 'phone', platform: 'fcm', preview: true },
      { user_id: 'bob', device_id: 'tablet', platform: 'apns', preview: false },
    ]);
    await bobPhone.close();

    const room = await alice.client.createDirect('bob');
    const ack = await alice.client.send(room.id, 'are you there?');
    await waitFor(async () => (await queuedJobs('fcm')).length > 0, 5000, 'a push job');
    const jobs = await queuedJobs('fcm');
    expect(jobs).toEqual([
      expect.objectContaining({
        user: 'bob',
        device: 'phone',
        token: 'fcm-token-bob-phone',
        room: room.id,
        sender: 'alice',
        body: 'are you there?',
        seq: ack.seq,
        preview: true,
      }),
    ]);
    expect(await queuedJobs('apns')).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${fanout.port}/metrics`)).text();
    expect(metrics).toMatch(/chat_fanout_push_decisions_total\{decision="suppressed",reason="connected"[^}]*\} 1/);
    expect(metrics).toMatch(/chat_fanout_push_decisions_total\{decision="sent",reason="offline"[^}]*\} 1/);
  });

  it('push.unregister removes the token', async () => {
    const carl = await connectDevice(cluster, [gateway], 'carl', 'phone');
    open.push(carl);
    await carl.client.registerPush('apns', 'ca41'.repeat(16));
    await carl.client.unregisterPush();
    expect(await cluster.query('SELECT 1 FROM push_registrations WHERE user_id = $1', ['carl'])).toEqual([]);
  });
});
