import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ack } from '../../src/core/client/index.js';
import { connectDevice, range, seqsOf, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * DESIGN.md's promise under a crash: a fan-out worker SIGKILLed mid-traffic loses no
 * acknowledged message and duplicates none; another worker takes its partitions over.
 */
const cluster = new IsolatedCluster();
let gateways: RoleProcess[];
let fanouts: RoleProcess[];
const open: TestDevice[] = [];
const fast = ['--send-rate', '1000', '--send-burst', '1000'];

beforeAll(async () => {
  await cluster.setUp();
  fanouts = [await cluster.start('fanout', 'fanout-a'), await cluster.start('fanout', 'fanout-b')];
  gateways = await Promise.all([cluster.start('gateway', 'gw-a', fast), cluster.start('gateway', 'gw-b', fast)]);
  await cluster.waitReady(gateways[0]!);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
});

async function partitionsHeld(): Promise<Map<string, number>> {
  const rows = await cluster.query<{ owner: string; n: number }>(
    `SELECT owner, count(*)::int AS n FROM fanout_partitions WHERE lease_until > now() GROUP BY owner`,
  );
  return new Map(rows.map((row) => [row.owner, row.n]));
}

describe('e2e - fan-out failover', () => {
  it('e2e - two fan-out workers share the partitions', async () => {
    await waitFor(async () => (await partitionsHeld()).size === 2, 15_000, 'both workers to hold partitions');
    const held = await partitionsHeld();
    expect([...held.values()].reduce((a, b) => a + b, 0)).toBe(16);
  });

  it('e2e - a fan-out SIGKILLed mid-traffic loses no acknowledged message and duplicates none', async () => {
    const pairs = range(1, 6).map((i) => [`sender${i}`, `reader${i}`] as const);
    const senders = await Promise.all(pairs.map(([s], i) => connectDevice(cluster, [gateways[i % 2]!], s, 'phone')));
    const readers = await Promise.all(
      pairs.map(([, r], i) => connectDevice(cluster, [gateways[(i + 1) % 2]!], r, 'phone')),
    );
    open.push(...senders, ...readers);
    const rooms = await Promise.all(senders.map((sender, i) => sender.client.createDirect(pairs[i]![1])));

    const perSender = 150;
    const acks: Ack[][] = senders.map(() => []);
    const traffic = senders.map(async (sender, i) => {
      for (let n = 1; n <= perSender; n++) {
        const pending = sender.client.send(rooms[i]!.id, `m${n}`).then((ack) => acks[i]!.push(ack));
        if (n % 10 === 0) await pending;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    });
    await waitFor(() => acks.every((list) => list.length >= 20), 20_000, 'traffic to flow');
    const victim = fanouts[0]!;
    expect(await victim.kill('SIGKILL')).toBeNull();
    await Promise.all(traffic);
    await waitFor(
      () => acks.every((list) => list.length === perSender),
      30_000,
      'every send to be acked after failover',
    );

    for (const [i, room] of rooms.entries()) {
      // Postgres: seqs 1..n, one message per clientMsgId, every ack matches a stored row.
      const rows = await cluster.query<{ seq: number; body: string; msg_id: string }>(
        'SELECT seq, body, msg_id FROM messages WHERE room_id = $1 ORDER BY seq',
        [room.id],
      );
      expect(rows.map((row) => Number(row.seq))).toEqual(range(1, perSender));
      expect(rows.map((row) => row.body)).toEqual(range(1, perSender).map((n) => `m${n}`));
      const stored = new Map(rows.map((row) => [Number(row.seq), row.msg_id]));
      for (const ack of acks[i]!) expect(stored.get(ack.seq)).toBe(ack.msgId);
      // The reader sees every message once, in order.
      const reader = readers[i]!;
      await reader.waitForCount(room.id, perSender, 20_000);
      expect(seqsOf(reader.timeline(room.id))).toEqual(range(1, perSender));
    }
    // Owners are named <node id>#<incarnation>. The victim's leases run out on their own clock:
    // every send can be acked before the last one lapsed (its partitions without traffic left).
    const owners = async () => [...(await partitionsHeld()).entries()].map(([owner, n]) => [owner.split('#')[0], n]);
    await waitFor(
      async () => JSON.stringify(await owners()) === JSON.stringify([['fanout-b', 16]]),
      30_000,
      "the victim's leases to lapse and the survivor to hold them",
    );
    const survivor = await partitionsHeld();
    expect([...survivor.entries()].map(([owner, n]) => [owner.split('#')[0], n])).toEqual([['fanout-b', 16]]);
  }, 120_000);
});
