import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, range, seqsOf, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * A client that stops reading its socket: the gateway buffers its frames up to a bound, then
 * closes it with 1013 (slow consumer); the sender and the room's other members carry on.
 */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gw-1', ['--send-rate', '100000', '--send-burst', '100000']);
  await cluster.waitReady(gateway);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
});

const slowConsumersClosed = async (): Promise<number> => {
  const text = await (await fetch(`${cluster.adminUrl(gateway)}/metrics`)).text();
  return Number(/^chat_gateway_slow_consumers_total(?:\{[^}]*\})? (\d+)/m.exec(text)?.[1] ?? 0);
};

describe('e2e - slow reader', () => {
  it('a client that stops reading is closed with 1013 once its buffer is full; the others get every message in order', async () => {
    const [alice, bob] = await Promise.all([
      connectDevice(cluster, [gateway], 'alice', 'laptop'),
      connectDevice(cluster, [gateway], 'bob', 'phone'),
    ]);
    open.push(alice, bob);
    const room = await alice.client.createGroup('firehose', ['bob', 'carol']);

    // carol says hello, then never reads again: the kernel buffers fill, then the gateway's.
    const carol = new WebSocket(cluster.wsUrl(gateway), 'chat.v1', { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      carol.once('error', reject);
      carol.once(
        'open',
        () =>
          void cluster.token('carol', 'tablet').then((token) => carol.send(JSON.stringify({ type: 'hello', token }))),
      );
      carol.on('message', (data) => {
        if ((JSON.parse((data as Buffer).toString()) as { type: string }).type !== 'welcome') return;
        carol.removeAllListeners('message');
        (carol as unknown as { _socket: { pause(): void } })._socket.pause();
        resolve();
      });
    });
    const closed = new Promise<number>((resolve) => carol.once('close', (code) => resolve(code)));

    // ~16 MB of messages: more than the loopback socket buffers plus the gateway's 8 MiB bound.
    const count = 4000;
    const body = 'x'.repeat(3900);
    for (let i = 0; i < count; i += 200) {
      await Promise.all(range(i + 1, Math.min(count, i + 200)).map(() => alice.client.send(room.id, body)));
    }
    await waitFor(async () => (await slowConsumersClosed()) >= 1, 20_000, 'the gateway to close the slow reader');
    // Reading again, carol finds the 1013 close after what had been buffered for her.
    (carol as unknown as { _socket: { resume(): void } })._socket.resume();
    expect(await closed).toBe(1013);

    const timeline = await bob.waitForCount(room.id, count, 30_000);
    expect(seqsOf(timeline)).toEqual(range(1, count));
    // A fresh connection of carol's syncs what she missed: nothing acknowledged was lost for her either.
    const carolAgain = await connectDevice(cluster, [gateway], 'carol', 'tablet');
    open.push(carolAgain);
    expect(seqsOf(carolAgain.timeline(room.id)).slice(-1)).toEqual([count]);
  }, 90_000);
});
