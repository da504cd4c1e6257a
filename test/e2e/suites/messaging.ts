import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatError, MemoryCursorStore } from '../../../src/core/client/index.js';
import { connectDevice, range, seqsOf, type TestDevice } from '../../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../../support/isolated-cluster.js';
import type { RedisTarget } from '../../support/redis-cluster.js';

/**
 * The send path end to end: two gateway processes and a fan-out process of the real CLI,
 * on the machine's Postgres, Redis and NATS, driven by the project's client library.
 * Run on the machine's Redis by messaging.test.ts (delivering to every gateway node first, as a
 * cluster this small does), on a Redis Cluster by redis-cluster.test.ts (by route, as a larger one
 * does: the sharded lookups are what that suite is for).
 */
export function messagingSuite(
  redisTarget?: () => RedisTarget,
  /**
   * How the fan-out delivers: to every gateway node before the route lookup (the default of a
   * cluster this small) or by route (what a cluster past --broadcast-gateways does).
   */
  deliverBy: 'broadcast' | 'route' = 'broadcast',
): void {
  const cluster = new IsolatedCluster();
  let fanout: RoleProcess;
  let gw1: RoleProcess;
  let gw2: RoleProcess;
  const open: TestDevice[] = [];

  async function device(user: string, name: string, gateway: RoleProcess, options = {}): Promise<TestDevice> {
    const connected = await connectDevice(cluster, [gateway], user, name, options);
    open.push(connected);
    return connected;
  }

  beforeAll(async () => {
    if (redisTarget) cluster.redis = redisTarget();
    await cluster.setUp();
    fanout = await cluster.start(
      'fanout',
      'fanout-1',
      [],
      deliverBy === 'route' ? { CHAT_BROADCAST_GATEWAYS: '0' } : {},
    );
    // The member cap is configurable (default 100); this suite runs at 500.
    const cap = ['--max-group-members', '500'];
    [gw1, gw2] = await Promise.all([cluster.start('gateway', 'gw-1', cap), cluster.start('gateway', 'gw-2', cap)]);
    await cluster.waitReady(gw1);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((d) => d.close()));
    await cluster.tearDown();
  });

  describe('e2e - messaging', () => {
    it(`e2e - the fan-out delivers ${deliverBy === 'route' ? 'by route' : 'to every gateway node first'}`, async () => {
      const expected = deliverBy === 'route' ? 0 : 1;
      // The fan-out counts the gateways each second: the first count may predate their leases.
      await waitFor(
        async () => {
          const metrics = await (await fetch(`http://127.0.0.1:${fanout.adminPort}/metrics`)).text();
          return new RegExp(`^chat_fanout_broadcast_deliveries\\{[^}]*\\} ${expected}$`, 'm').test(metrics);
        },
        5000,
        `chat_fanout_broadcast_deliveries ${expected}`,
      );
    });

    it('e2e - a 1:1 conversation reaches both devices of the recipient on different gateways, in order', async () => {
      const alice = await device('alice', 'laptop', gw1);
      const bobPhone = await device('bob', 'phone', gw1);
      const bobLaptop = await device('bob', 'laptop', gw2);
      const room = await alice.client.createDirect('bob');
      expect(room.kind).toBe('direct');
      expect(room.members.sort()).toEqual(['alice', 'bob']);

      const acks = await Promise.all(range(1, 20).map((i) => alice.client.send(room.id, `hello ${i}`)));
      expect(acks.map((ack) => ack.seq)).toEqual(range(1, 20));
      for (const bob of [bobPhone, bobLaptop]) {
        const received = await bob.waitForCount(room.id, 20);
        expect(seqsOf(received)).toEqual(range(1, 20));
        expect(received.map((m) => m.body)).toEqual(range(1, 20).map((i) => `hello ${i}`));
        expect(received.every((m) => m.sender === 'alice' && m.senderDevice === 'laptop')).toBe(true);
      }
      const reply = await bobLaptop.client.send(room.id, 'hi alice');
      expect(reply.seq).toBe(21);
      await alice.waitForCount(room.id, 21);
      expect(alice.bodies(room.id).at(-1)).toBe('hi alice');
      await bobPhone.waitForCount(room.id, 21);
    });

    it('e2e - the same pair always gets the same direct room', async () => {
      const carol = await device('carol', 'phone', gw1);
      const first = await carol.client.createDirect('dan');
      const again = await carol.client.createDirect('dan');
      expect(again.id).toBe(first.id);
    });

    it("e2e - the sender's second device receives what the first one sent", async () => {
      const erinPhone = await device('erin', 'phone', gw1);
      const erinLaptop = await device('erin', 'laptop', gw2);
      const room = await erinPhone.client.createDirect('frank');
      await erinPhone.client.send(room.id, 'from my phone');
      const [message] = await erinLaptop.waitForCount(room.id, 1);
      expect(message).toMatchObject({ body: 'from my phone', sender: 'erin', senderDevice: 'phone', seq: 1 });
    });

    it('e2e - a group of 5 gets every message, in one order, on every member device', async () => {
      const users = ['g1', 'g2', 'g3', 'g4', 'g5'];
      const devices = await Promise.all(users.map((user, i) => device(user, 'phone', i % 2 ? gw2 : gw1)));
      const room = await devices[0]!.client.createGroup('Design team', users.slice(1));
      expect(room.members.sort()).toEqual(users);
      await Promise.all(devices.map((d) => d.client.listRooms()));
      // Everyone sends at once: the room's order is whatever the fan-out committed, the same for all.
      await Promise.all(devices.flatMap((d, i) => range(1, 4).map((n) => d.client.send(room.id, `${users[i]}-${n}`))));
      const reference = seqsOf(await devices[0]!.waitForCount(room.id, 20));
      expect(reference).toEqual(range(1, 20));
      const bodies = devices[0]!.bodies(room.id);
      for (const member of devices) {
        await member.waitForCount(room.id, 20);
        expect(member.bodies(room.id)).toEqual(bodies);
      }
      for (const user of users) {
        const own = bodies.filter((body) => body.startsWith(`${user}-`));
        expect(own).toEqual(range(1, 4).map((n) => `${user}-${n}`));
      }
    });

    it('e2e - an offline device reconnects and syncs exactly what it missed', async () => {
      const gina = await device('gina', 'laptop', gw1);
      const cursors = new MemoryCursorStore();
      let hank = await device('hank', 'tablet', gw2, { cursors });
      const room = await gina.client.createDirect('hank');
      await Promise.all(range(1, 5).map((i) => gina.client.send(room.id, `before ${i}`)));
      await hank.waitForCount(room.id, 5);
      await hank.close();

      await Promise.all(range(1, 30).map((i) => gina.client.send(room.id, `missed ${i}`)));
      hank = await device('hank', 'tablet', gw1, { cursors });
      const synced = await hank.waitForCount(room.id, 30);
      expect(seqsOf(synced)).toEqual(range(6, 35));
      expect(synced[0]!.body).toBe('missed 1');
      await gina.client.send(room.id, 'live again');
      await hank.waitForCount(room.id, 31);
      expect(seqsOf(hank.timeline(room.id))).toEqual(range(6, 36));
    });

    it('e2e - a resend after a dropped ack returns the first ack and stores one message', async () => {
      const ivan = await device('ivan', 'phone', gw1);
      const ivanLaptop = await device('ivan', 'laptop', gw2);
      const room = await ivan.client.createDirect('judy');
      const first = await ivan.client.send(room.id, 'only once', { clientMsgId: 'dup-1' });
      // The same clientMsgId from the same device, and from another device of the same user.
      const again = await ivan.client.request({ type: 'send', room: room.id, clientMsgId: 'dup-1', body: 'only once' });
      const fromLaptop = await ivanLaptop.client.request({
        type: 'send',
        room: room.id,
        clientMsgId: 'dup-1',
        body: 'only once',
      });
      expect(again).toMatchObject({ seq: first.seq, msgId: first.msgId });
      expect(fromLaptop).toMatchObject({ seq: first.seq, msgId: first.msgId });
      const rows = await cluster.query('SELECT seq FROM messages WHERE room_id = $1', [room.id]);
      expect(rows).toHaveLength(1);
    });

    it('e2e - a send in flight when the connection drops is resent and committed once', async () => {
      const kate = await device('kate', 'phone', gw1);
      const leo = await device('leo', 'phone', gw2);
      const room = await kate.client.createDirect('leo');
      const sends = range(1, 10).map((i) => kate.client.send(room.id, `through the drop ${i}`));
      // Kill the socket under the client right away: some acks are lost, the outbox resends them.
      (kate.client as unknown as { connection?: { ws?: { terminate(): void } } }).connection?.ws?.terminate();
      const acks = await Promise.all(sends);
      expect(acks.map((a) => a.seq).sort((a, b) => a - b)).toEqual(range(1, 10));
      await leo.waitForCount(room.id, 10);
      expect(leo.bodies(room.id)).toEqual(range(1, 10).map((i) => `through the drop ${i}`));
      const rows = await cluster.query('SELECT count(*)::int AS n FROM messages WHERE room_id = $1', [room.id]);
      expect(rows[0]).toEqual({ n: 10 });
    });

    it('e2e - a non-member is refused everything about a room and changes nothing', async () => {
      const mia = await device('mia', 'phone', gw1);
      const mallory = await device('mallory', 'laptop', gw2);
      const room = await mia.client.createDirect('nina');
      await mia.client.send(room.id, 'private');
      const refused = async (work: Promise<unknown>) => {
        const error = await work.then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(ChatError);
        expect((error as ChatError).code).toBe('forbidden');
      };
      await refused(mallory.client.send(room.id, 'let me in'));
      await refused(mallory.client.history(room.id));
      await refused(mallory.client.markRead(room.id, 1));
      await refused(mallory.client.addMembers(room.id, ['mallory']));
      expect(mallory.timeline(room.id)).toEqual([]);
      expect(await cluster.query('SELECT count(*)::int AS n FROM messages WHERE room_id = $1', [room.id])).toEqual([
        { n: 1 },
      ]);
      const missing = await mallory.client.send('no_such_room', 'x').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((missing as ChatError).code).toBe('not_found');
    });

    it('e2e - history pages backwards by seq', async () => {
      // 120 sends are over the default rate (20/s, burst 40): the client waits out rate_limited by itself.
      const oscar = await device('oscar', 'phone', gw1, { maxSendRetries: 100 });
      const room = await oscar.client.createDirect('pam');
      for (let i = 1; i <= 120; i += 20)
        await Promise.all(range(i, i + 19).map((n) => oscar.client.send(room.id, `m${n}`)));
      const newest = await oscar.client.history(room.id, { limit: 50 });
      expect(seqsOf(newest.messages)).toEqual(range(71, 120));
      expect(newest.hasMore).toBe(true);
      const older = await oscar.client.history(room.id, { before: 71, limit: 50 });
      expect(seqsOf(older.messages)).toEqual(range(21, 70));
      const oldest = await oscar.client.history(room.id, { before: 21 });
      expect(seqsOf(oldest.messages)).toEqual(range(1, 20));
      expect(oldest.hasMore).toBe(false);
    });

    it('e2e - reading on one device moves the read position on the others and clears unread', async () => {
      const quinn = await device('quinn', 'phone', gw1);
      const rayPhone = await device('ray', 'phone', gw1);
      const rayLaptop = await device('ray', 'laptop', gw2);
      const room = await quinn.client.createDirect('ray');
      await Promise.all(range(1, 3).map((i) => quinn.client.send(room.id, `unread ${i}`)));
      await rayLaptop.waitForCount(room.id, 3);
      const before = (await rayLaptop.client.listRooms()).find((r) => r.id === room.id);
      expect(before).toMatchObject({ unread: 3, readSeq: 0, lastSeq: 3 });
      await rayPhone.client.markRead(room.id, 3);
      await waitFor(
        () => rayLaptop.reads.some((r) => r.room === room.id && r.user === 'ray' && r.seq === 3),
        5000,
        'read event on the laptop',
      );
      const after = (await rayLaptop.client.listRooms()).find((r) => r.id === room.id);
      expect(after).toMatchObject({ unread: 0, readSeq: 3 });
      // The read position never moves back.
      await rayLaptop.client.markRead(room.id, 1);
      expect((await rayPhone.client.listRooms()).find((r) => r.id === room.id)?.readSeq).toBe(3);
    });

    it('e2e - limits: sends beyond the per-connection rate are answered rate_limited with retryAfterMs', async () => {
      const uma = await device('uma', 'phone', gw1);
      const room = await uma.client.createDirect('vic');
      const outcomes = await Promise.all(
        range(1, 60).map((i) =>
          uma.client.request({ type: 'send', room: room.id, clientMsgId: `burst-${i}`, body: 'x' }).then(
            () => 'ok',
            (e: unknown) => e as ChatError,
          ),
        ),
      );
      const limited = outcomes.filter((o): o is ChatError => o instanceof ChatError);
      expect(outcomes.filter((o) => o === 'ok').length).toBeGreaterThanOrEqual(40);
      expect(limited.length).toBeGreaterThan(0);
      expect(limited.every((e) => e.code === 'rate_limited' && (e.retryAfterMs ?? 0) > 0)).toBe(true);
    });

    it('e2e - limits: a body over maxBodyChars is refused as too_large', async () => {
      const sam = await device('sam', 'phone', gw1);
      const room = await sam.client.createDirect('tom');
      const error = await sam.client
        .request({ type: 'send', room: room.id, clientMsgId: 'big', body: 'x'.repeat(4001) })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((error as ChatError).code).toBe('too_large');
    });

    it('e2e - a group of 500 works at a cap of 500, and a 501st member is refused', async () => {
      const owner = await device('big0', 'phone', gw1);
      const others = await Promise.all([device('big1', 'phone', gw2), device('big499', 'laptop', gw1)]);
      const members = range(1, 499).map((i) => `big${i}`);
      const room = await owner.client.createGroup('everyone', members);
      expect(room.members).toHaveLength(500);
      await owner.client.send(room.id, 'hello all 500');
      for (const other of others) expect((await other.waitForCount(room.id, 1))[0]!.body).toBe('hello all 500');
      const error = await owner.client.addMembers(room.id, ['big500']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((error as ChatError).code).toBe('too_large');
      const tooBig = await owner.client
        .createGroup(
          'too many',
          range(1, 500).map((i) => `x${i}`),
        )
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect((tooBig as ChatError).code).toBe('too_large');
    });

    it('e2e - members added get the room and its messages; removed members get nothing more; anyone may leave', async () => {
      const owner = await device('own', 'phone', gw1);
      const added = await device('newbie', 'phone', gw2);
      const leaver = await device('leaver', 'phone', gw2);
      const room = await owner.client.createGroup('club', ['leaver']);

      const afterAdd = await owner.client.addMembers(room.id, ['newbie']);
      expect(afterAdd.members.sort()).toEqual(['leaver', 'newbie', 'own']);
      await waitFor(
        () => added.roomEvents.some((r) => r.id === room.id && r.members.includes('newbie')),
        5000,
        'the added member to hear of the room',
      );
      await owner.client.send(room.id, 'welcome newbie');
      await added.waitForCount(room.id, 1);

      const refused = await added.client.removeMembers(room.id, ['leaver']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((refused as ChatError).code).toBe('forbidden');
      const afterLeave = await leaver.client.removeMembers(room.id, ['leaver']);
      expect(afterLeave.members).not.toContain('leaver');

      await owner.client.removeMembers(room.id, ['newbie']);
      await waitFor(
        () => added.roomEvents.some((r) => r.id === room.id && !r.members.includes('newbie')),
        5000,
        'the removed member to hear of it',
      );
      await owner.client.send(room.id, 'after the removal');
      await owner.waitForCount(room.id, 2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(added.bodies(room.id)).toEqual(['welcome newbie']);
      expect(leaver.bodies(room.id)).toEqual(['welcome newbie']);
      const sendAfter = await added.client.send(room.id, 'still here?').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((sendAfter as ChatError).code).toBe('forbidden');
    });
  });
}
