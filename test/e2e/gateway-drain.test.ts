import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { StateChange } from '../../src/core/client/index.js';
import { connectDevice, range, seqsOf, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/** A gateway's planned shutdown, and limits enforced at the socket. */
const cluster = new IsolatedCluster();
let leaving: RoleProcess;
let staying: RoleProcess;
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  [leaving, staying] = await Promise.all([
    cluster.start('gateway', 'gw-leaving'),
    cluster.start('gateway', 'gw-staying'),
  ]);
  await cluster.waitReady(staying);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
});

describe('e2e - gateway drain', () => {
  it('on SIGTERM a gateway sends goaway, clients move to another gateway and miss nothing', async () => {
    const urls = [cluster.wsUrl(leaving), cluster.wsUrl(staying)];
    const sender = await connectDevice(cluster, [staying], 'alice', 'laptop');
    // Jitter fixed at the middle: a goaway's delay is then exactly its reconnectInMs (>= 250 ms),
    // a backoff's at most half its ceiling, so the wait below tells the two apart every run.
    const moving = await connectDevice(cluster, [leaving, staying], 'bob', 'phone', { urls, random: () => 0.5 });
    open.push(sender, moving);
    const states: StateChange[] = [];
    moving.client.on('state', (change) => states.push(change));
    const room = await sender.client.createDirect('bob');
    await Promise.all(range(1, 5).map((i) => sender.client.send(room.id, `before ${i}`)));
    await moving.waitForCount(room.id, 5);

    const exit = leaving.kill('SIGTERM');
    await waitFor(
      () => states.some((s) => s.state === 'reconnecting' && (s.reconnectInMs ?? 0) >= 250),
      5000,
      'a goaway-driven reconnect',
    );
    await Promise.all(range(1, 10).map((i) => sender.client.send(room.id, `during ${i}`)));
    expect(await exit).toBe(0);
    await waitFor(() => moving.client.state === 'live', 10_000, 'the client to be live on the other gateway');
    await sender.client.send(room.id, 'after');
    const all = await moving.waitForCount(room.id, 16);
    expect(seqsOf(all)).toEqual(range(1, 16));
    expect(leaving.output.join('')).toMatch(/gateway stopped/);
  }, 30_000);
});

describe('e2e - limits at the socket', () => {
  it('a frame over maxFrameBytes closes the connection with 1009; a bad frame does not close it', async () => {
    const token = await cluster.token('carol', 'raw');
    const ws = new WebSocket(cluster.wsUrl(staying), 'chat.v1');
    const frames: Array<{ type: string; code?: string; id?: string }> = [];
    ws.on('message', (data) => frames.push(JSON.parse((data as Buffer).toString()) as (typeof frames)[number]));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(JSON.stringify({ type: 'hello', token }));
    await waitFor(() => frames.some((f) => f.type === 'welcome'), 5000, 'welcome');
    ws.send('{"type":"send","id":"q1"');
    ws.send(JSON.stringify({ type: 'ping', id: 'q2' }));
    await waitFor(() => frames.some((f) => f.type === 'pong' && f.id === 'q2'), 5000, 'pong after a bad frame');
    expect(frames).toContainEqual(expect.objectContaining({ type: 'error', code: 'bad_frame' }));
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ type: 'ping', id: 'x'.repeat(20_000) }));
    expect(await closed).toBe(1009);
  });
});
