import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * Read positions agree across a user's devices (issue 13, item 13): the simulator's rate sweep
 * found users whose second device never heard of any read of the first, when every user's first
 * device marked all its rooms read at once.
 */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gw-1');
  await cluster.waitReady(gateway);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
});

async function device(user: string, name: string): Promise<TestDevice> {
  const connected = await connectDevice(cluster, [gateway], user, name);
  open.push(connected);
  return connected;
}

describe('e2e - read positions', () => {
  it('e2e - when many users mark all their rooms read at once, every other device of each hears of every read', async () => {
    const users = Array.from({ length: 30 }, (_, i) => `reader${i}`);
    const phones = await Promise.all(users.map((user) => device(user, 'phone')));
    const laptops = await Promise.all(users.map((user) => device(user, 'laptop')));
    const friend = await device('friend', 'phone');
    // Three direct rooms per user, a message from the other member in each.
    const others = (i: number) => [friend, phones[(i + 1) % users.length]!, phones[(i + 2) % users.length]!];
    const rooms = await Promise.all(users.map((user, i) => Promise.all(others(i).map((other) => other.client.createDirect(user)))));
    await Promise.all(rooms.flatMap((own, i) => own.map((room, k) => others(i)[k]!.client.send(room.id, `hello ${users[i]}`))));
    await Promise.all(users.map((user, i) => waitFor(() => rooms[i]!.every((room) => laptops[i]!.client.rooms().find((r) => r.id === room.id)!.lastSeq >= 1 && phones[i]!.client.rooms().find((r) => r.id === room.id)!.lastSeq >= 1), 10_000, `${user}'s devices to see their messages`)));

    await Promise.all(phones.flatMap((phone) => phone.client.rooms().filter((room) => room.lastSeq > room.readSeq).map((room) => phone.client.markRead(room.id, room.lastSeq))));

    const diverged = () =>
      users.flatMap((user, i) =>
        phones[i]!.client.rooms().flatMap((room) => {
          const laptop = laptops[i]!.client.rooms().find((r) => r.id === room.id);
          return laptop?.readSeq === room.readSeq ? [] : [`${user} ${room.id}: phone ${room.readSeq}, laptop ${laptop?.readSeq}`];
        }),
      );
    await waitFor(() => diverged().length === 0, 10_000, 'every laptop to agree with its phone').catch(() => {});
    expect(diverged()).toEqual([]);
  });
});
