import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChatError, PresenceEvent, TypingEvent } from '../../../src/core/client/index.js';
import { connectDevice, type TestDevice } from '../../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../../support/isolated-cluster.js';
import type { RedisTarget } from '../../support/redis-cluster.js';

/**
 * Presence and typing against real gateway, fan-out and presence processes, with short
 * timings: heartbeat 500 ms, presence timeout 3 s, grace 1 s, typing ttl 1 s.
 * Run on the machine's Redis by presence.test.ts, on a Redis Cluster by redis-cluster.test.ts.
 */
export function presenceSuite(redisTarget?: () => RedisTarget): void {
  const TIMEOUT_MS = 3000;
  const GRACE_MS = 1000;
  const timing = [
    '--heartbeat-ms',
    '500',
    '--presence-timeout-ms',
    String(TIMEOUT_MS),
    '--presence-grace-ms',
    String(GRACE_MS),
  ];
  const cluster = new IsolatedCluster();
  let gw1: RoleProcess;
  let gw2: RoleProcess;
  const open: TestDevice[] = [];

  interface Watcher {
    device: TestDevice;
    events: Array<{ at: number; user: string; status: string; lastSeen: number | null }>;
    typing: Array<TypingEvent & { at: number }>;
  }

  async function watcher(user: string, device: string, gateway = gw1): Promise<Watcher> {
    const connected = await connectDevice(cluster, [gateway], user, device);
    open.push(connected);
    const watched: Watcher = { device: connected, events: [], typing: [] };
    connected.client.on('presence', (event: PresenceEvent) => {
      for (const status of event.users) watched.events.push({ at: Date.now(), ...status });
    });
    connected.client.on('typing', (event) => watched.typing.push({ ...event, at: Date.now() }));
    return watched;
  }

  async function device(user: string, name: string, gateway = gw1, options = {}): Promise<TestDevice> {
    const connected = await connectDevice(cluster, [gateway], user, name, options);
    open.push(connected);
    return connected;
  }

  const statusesOf = (w: Watcher, user: string) => w.events.filter((e) => e.user === user).map((e) => e.status);

  beforeAll(async () => {
    if (redisTarget) cluster.redis = redisTarget();
    await cluster.setUp();
    await cluster.start('fanout', 'fanout-1');
    await cluster.start('presence', 'presence-1', [...timing, '--presence-fanout-max', '3']);
    [gw1, gw2] = await Promise.all([
      cluster.start('gateway', 'gw-1', [...timing, '--typing-ttl-ms', '1000', '--typing-throttle-ms', '300']),
      cluster.start('gateway', 'gw-2', [...timing, '--typing-ttl-ms', '1000', '--typing-throttle-ms', '300']),
    ]);
    await cluster.waitReady(gw1);
  }, 60_000);

  afterAll(async () => {
    await Promise.all(open.map((d) => d.close()));
    await cluster.tearDown();
  });

  // The watchers share a group with the watched users: a direct room shows a user's presence only
  // once that user wrote in it (hostile/rooms.test.ts covers who sees what).
  describe('e2e - presence', () => {
    it('e2e - a co-member sees a user come online; a stranger hears nothing', async () => {
      const amy = await watcher('amy', 'phone');
      const stranger = await watcher('stranger', 'phone', gw2);
      await amy.device.client.createGroup('amy+ben', ['ben']);
      const ben = await device('ben', 'laptop', gw2);
      await waitFor(() => statusesOf(amy, 'ben').includes('online'), 5000, 'amy to see ben online');
      expect(statusesOf(amy, 'ben')).toEqual(['online']);
      await ben.close();
      await waitFor(() => statusesOf(amy, 'ben').includes('offline'), 5000, 'amy to see ben offline');
      const offline = amy.events.find((e) => e.user === 'ben' && e.status === 'offline')!;
      expect(offline.lastSeen).toBeGreaterThan(Date.now() - 10_000);
      expect(stranger.events).toEqual([]);
    });

    it('e2e - a user with two devices goes offline only when both are gone, after the grace period', async () => {
      const cat = await watcher('cat', 'phone');
      await cat.device.client.createGroup('cat+dov', ['dov']);
      const phone = await device('dov', 'phone', gw1);
      const laptop = await device('dov', 'laptop', gw2);
      await waitFor(() => statusesOf(cat, 'dov').includes('online'), 5000, 'dov online');
      await phone.close();
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1000));
      expect(statusesOf(cat, 'dov')).toEqual(['online']);
      const closedAt = Date.now();
      await laptop.close();
      await waitFor(() => statusesOf(cat, 'dov').includes('offline'), 5000, 'dov offline');
      const offlineAt = cat.events.find((e) => e.user === 'dov' && e.status === 'offline')!.at;
      expect(offlineAt - closedAt).toBeGreaterThanOrEqual(GRACE_MS - 50);
    });

    it('e2e - a reconnect inside the grace period shows no offline to watchers', async () => {
      const eve = await watcher('eve', 'phone');
      await eve.device.client.createGroup('eve+fay', ['fay']);
      const fay = await device('fay', 'phone', gw1);
      await waitFor(() => statusesOf(eve, 'fay').includes('online'), 5000, 'fay online');
      await fay.close();
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS / 3));
      await device('fay', 'phone', gw2);
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 1500));
      expect(statusesOf(eve, 'fay')).toEqual(['online']);
    });

    it('e2e - a SIGKILLed gateway makes its users offline after the timeout, within timeout + grace', async () => {
      const victim = await cluster.start('gateway', 'gw-victim', timing);
      const gus = await watcher('gus', 'phone');
      await gus.device.client.createGroup('gus+hal', ['hal']);
      await device('hal', 'phone', victim, { autoReconnect: false });
      await waitFor(() => statusesOf(gus, 'hal').includes('online'), 5000, 'hal online');
      const killedAt = Date.now();
      await victim.kill('SIGKILL');
      await waitFor(() => statusesOf(gus, 'hal').includes('offline'), TIMEOUT_MS + GRACE_MS + 5000, 'hal offline');
      const elapsed = gus.events.find((e) => e.user === 'hal' && e.status === 'offline')!.at - killedAt;
      expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT_MS);
      // Detection runs every second on top of timeout + grace.
      expect(elapsed).toBeLessThanOrEqual(TIMEOUT_MS + GRACE_MS + 1500);
    }, 30_000);

    it('e2e - a room above the fan-out size gets no presence, but a query answers for co-members only', async () => {
      const ivy = await watcher('ivy', 'phone');
      await ivy.device.client.createGroup('big', ['jon', 'kai', 'lea']);
      await device('jon', 'phone', gw2);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(statusesOf(ivy, 'jon')).toEqual([]);
      const answer = await ivy.device.client.queryPresence(['jon', 'kai', 'nobody-i-know', 'ivy']);
      expect(answer.map((s) => [s.user, s.status]).sort()).toEqual([
        ['jon', 'online'],
        ['kai', 'offline'],
      ]);
      expect(answer.find((s) => s.user === 'kai')!.lastSeen).toBeNull();
    });
  });

  describe('e2e - typing', () => {
    it("e2e - typing reaches the other members, not the typist's own devices, and expires by itself", async () => {
      const mo = await watcher('mo', 'phone');
      const moLaptop = await watcher('mo', 'laptop', gw2);
      const nia = await watcher('nia', 'phone', gw2);
      const room = await mo.device.client.createDirect('nia');
      mo.device.client.setTyping(room.id, 'start');
      await waitFor(() => nia.typing.some((t) => t.user === 'mo' && t.state === 'start'), 5000, 'nia to see mo typing');
      const start = nia.typing.find((t) => t.state === 'start')!;
      expect(start).toMatchObject({ room: room.id, user: 'mo', ttlMs: 1000 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(moLaptop.typing).toEqual([]);
      expect(mo.typing).toEqual([]);
      await waitFor(() => nia.typing.some((t) => t.user === 'mo' && t.state === 'stop'), 3000, 'the start to expire');
      const stop = nia.typing.find((t) => t.state === 'stop')!;
      expect(stop.at - start.at).toBeGreaterThanOrEqual(900);
      const rows = await cluster.query('SELECT count(*)::int AS n FROM messages WHERE room_id = $1', [room.id]);
      expect(rows).toEqual([{ n: 0 }]);
    });

    it('e2e - a non-member cannot send typing to a room', async () => {
      const oz = await device('oz', 'phone');
      const pia = await watcher('pia', 'phone');
      const room = await pia.device.client.createDirect('quin');
      const error = await oz.client.request({ type: 'typing', room: room.id, state: 'start' }).then(
        () => undefined,
        (e: unknown) => e as ChatError,
      );
      expect(error?.code).toBe('forbidden');
      expect(pia.typing).toEqual([]);
    });
  });
}
