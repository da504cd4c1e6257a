import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJson, type SendEnvelope } from '../../src/core/bus/envelopes.js';
import { Subjects } from '../../src/core/bus/subjects.js';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * A send that Postgres refuses (here a NUL in the body, which the gateway never lets through, put
 * on the send stream directly) is answered with an error and dropped; its partition goes on.
 * Before, the worker retried the batch forever and every later message of the partition stalled.
 */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
let nc: NatsConnection;
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-a');
  gateway = await cluster.start('gateway', 'gw-a');
  await cluster.waitReady(gateway);
  nc = await connect({ servers: process.env.CHAT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222' });
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((device) => device.close()));
  await nc?.close();
  await cluster.tearDown();
});

describe('e2e - fan-out and a send Postgres refuses', () => {
  it('e2e - the bad send is dropped with an error; later sends of its room and partition still commit in order', async () => {
    const alice = await connectDevice(cluster, [gateway], 'alice', 'laptop');
    const bob = await connectDevice(cluster, [gateway], 'bob', 'phone');
    open.push(alice, bob);
    const room = await alice.client.createDirect('bob');
    const bad: SendEnvelope = {
      room: room.id,
      clientMsgId: 'bad-1',
      body: 'a NUL \u0000 in text',
      sender: 'alice',
      senderDevice: 'laptop',
      reply: { node: 'no-such-gateway', conn: 'c1', requestId: 'r1' },
      receivedAt: Date.now(),
    };
    const subjects = new Subjects(cluster.namespace, 16);
    await jetstream(nc).publish(subjects.sendSubjectOf(room.id), encodeJson(bad), { msgID: 'bad-send-1' });

    const acks = await Promise.all(['after 1', 'after 2'].map((body) => alice.client.send(room.id, body)));
    expect(acks.map((ack) => ack.seq)).toEqual([1, 2]);
    const seen = await bob.waitForCount(room.id, 2);
    expect(seen.map((message) => message.body)).toEqual(['after 1', 'after 2']);
    const stored = await cluster.query<{ body: string }>('SELECT body FROM messages WHERE room_id = $1 ORDER BY seq', [room.id]);
    expect(stored.map((row) => row.body)).toEqual(['after 1', 'after 2']);
  }, 30_000);
});
