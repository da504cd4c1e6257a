import { jetstream } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeJson, type SendEnvelope } from '../../src/core/bus/envelopes.js';
import { Subjects } from '../../src/core/bus/subjects.js';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { RawWebSocket } from './hostile/support/raw-socket.js';
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
    const stored = await cluster.query<{ body: string }>('SELECT body FROM messages WHERE room_id = $1 ORDER BY seq', [
      room.id,
    ]);
    expect(stored.map((row) => row.body)).toEqual(['after 1', 'after 2']);
  }, 30_000);

  it("e2e - the sender of a send Postgres refuses gets bad_frame, and none of Postgres's text", async () => {
    const alice = await connectDevice(cluster, [gateway], 'alice', 'tablet');
    open.push(alice);
    const room = await alice.client.createDirect('carol');
    const carol = await RawWebSocket.authenticated(cluster.wsUrl(gateway), await cluster.token('carol', 'phone'));
    try {
      // Carol's connection id, as the gateway's trace of her first message names it.
      carol.sendText(JSON.stringify({ type: 'send', id: 's1', room: room.id, clientMsgId: 'ok-1', body: 'hello' }));
      const ack = await carol.next((frame) => frame.type === 'ack' && frame.id === 's1', 5000);
      const trace = (await (await fetch(`${cluster.adminUrl(gateway)}/trace?msg=${String(ack.msgId)}`)).json()) as {
        nodes: Array<{ writes?: Array<{ frame: string; conn: string }> }>;
      };
      const conn = trace.nodes.flatMap((node) => node.writes ?? []).find((write) => write.frame === 'ack')!.conn;
      // What the gateway would put on the stream for her, but with a body Postgres refuses.
      const bad: SendEnvelope = {
        room: room.id,
        clientMsgId: 'bad-2',
        body: 'a NUL \u0000 in text',
        sender: 'carol',
        senderDevice: 'phone',
        reply: { node: 'gw-a', conn, requestId: 's2' },
        receivedAt: Date.now(),
      };
      await jetstream(nc).publish(new Subjects(cluster.namespace, 16).sendSubjectOf(room.id), encodeJson(bad), {
        msgID: 'bad-send-2',
      });
      const answer = await carol.next((frame) => frame.id === 's2', 10_000);
      expect(answer).toMatchObject({ type: 'error', code: 'bad_frame' });
      expect(String(answer.message)).not.toMatch(/UTF8|0x00|byte sequence|encoding|SQL|relation|constraint/i);
    } finally {
      carol.close();
    }
  }, 30_000);
});
