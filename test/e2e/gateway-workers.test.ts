import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, range, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/** `chat-node gateway --workers N`: several gateway processes behind one port. */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gwn', ['--workers', '2']);
  await cluster.waitReady(gateway);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
});

const connectionsByWorker = async (): Promise<Map<string, number>> => {
  const text = await (await fetch(`${cluster.adminUrl(gateway)}/metrics`)).text();
  return new Map(
    [...text.matchAll(/^chat_gateway_connections\{[^}]*node="([^"]+)"[^}]*\} (\d+)/gm)].map((m) => [
      m[1]!,
      Number(m[2]),
    ]),
  );
};

describe('e2e - gateway workers', () => {
  it('devices spread over the workers of one port, talk across them, and /metrics shows every worker', async () => {
    const devices = await Promise.all(range(1, 8).map((i) => connectDevice(cluster, [gateway], `w${i}`, 'phone')));
    open.push(...devices);
    await waitFor(
      async () => [...(await connectionsByWorker()).values()].reduce((a, b) => a + b, 0) === 8,
      5000,
      'all 8 connections counted',
    );
    const byWorker = await connectionsByWorker();
    expect([...byWorker.keys()].sort()).toEqual(['gwn-w1', 'gwn-w2']);
    expect([...byWorker.values()].every((n) => n > 0)).toBe(true);
    const room = await devices[0]!.client.createGroup(
      'all',
      range(2, 8).map((i) => `w${i}`),
    );
    await devices[0]!.client.send(room.id, 'across workers');
    for (const device of devices) expect((await device.waitForCount(room.id, 1))[0]!.body).toBe('across workers');
  });
});
