import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * Issue 13, item 1 (a): one device may hold connections on several gateway processes at once
 * (a second tab, `gateway --workers N`, a balancer without affinity). Each connection gets the
 * live messages, and a removal reaches every one of them: none can read the room after it.
 */
const cluster = new IsolatedCluster();
let gateways: RoleProcess[];
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  gateways = await Promise.all([cluster.start('gateway', 'gw-a'), cluster.start('gateway', 'gw-b')]);
  await Promise.all(gateways.map((gateway) => cluster.waitReady(gateway)));
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((device) => device.close()));
  await cluster.tearDown();
});

async function refusal(request: Promise<unknown>): Promise<string> {
  return request.then(
    () => 'served',
    (error: unknown) => (error as { code?: string }).code ?? String(error),
  );
}

describe('e2e - one device on two gateway processes', () => {
  it('e2e - both connections get live messages, and after a removal neither reads the room', async () => {
    const alice = await connectDevice(cluster, [gateways[0]!], 'alice', 'laptop');
    // bob's phone connects to gw-a, then (same device id) to gw-b: the second route used to replace the first.
    const onA = await connectDevice(cluster, [gateways[0]!], 'bob', 'phone');
    const onB = await connectDevice(cluster, [gateways[1]!], 'bob', 'phone');
    open.push(alice, onA, onB);
    const room = await alice.client.createGroup('team', ['bob', 'carol']);
    // Each process caches bob's membership from his first read.
    expect((await onA.client.history(room.id)).messages).toEqual([]);
    expect((await onB.client.history(room.id)).messages).toEqual([]);

    await alice.client.send(room.id, 'before the removal');
    await onB.waitForCount(room.id, 1);
    await onA.waitForCount(room.id, 1);

    await alice.client.removeMembers(room.id, ['bob']);
    await alice.client.send(room.id, 'after the removal');
    expect(await refusal(onA.client.history(room.id))).toBe('forbidden');
    expect(await refusal(onB.client.history(room.id))).toBe('forbidden');
    expect(onA.bodies(room.id)).toEqual(['before the removal']);
    expect(onB.bodies(room.id)).toEqual(['before the removal']);
  });

  it('e2e - when one of the two connections closes, the other still gets live messages', async () => {
    const dan = await connectDevice(cluster, [gateways[0]!], 'dan', 'laptop');
    const first = await connectDevice(cluster, [gateways[0]!], 'erin', 'phone');
    const second = await connectDevice(cluster, [gateways[1]!], 'erin', 'phone');
    open.push(dan, second);
    const room = await dan.client.createDirect('erin');
    await first.close();
    await dan.client.send(room.id, 'still there?');
    await second.waitForCount(room.id, 1);
    expect(second.bodies(room.id)).toEqual(['still there?']);
  });
});
