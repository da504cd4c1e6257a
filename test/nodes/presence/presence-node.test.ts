import type { NatsConnection } from '@nats-io/nats-core';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, type NodeEnvelope } from '../../../src/core/bus/envelopes.js';
import { connectNats } from '../../../src/core/bus/nats.js';
import { Subjects } from '../../../src/core/bus/subjects.js';
import { resolveConfig, type ClusterConfig } from '../../../src/core/config/cluster-config.js';
import type { PresenceEvent, PresenceStatus } from '../../../src/core/presence/presence-events.js';
import { RedisPresenceStore } from '../../../src/core/presence/presence-store.js';
import { RedisRouteRegistry } from '../../../src/core/routing/route-registry.js';
import { RoomStore } from '../../../src/core/storage/room-store.js';
import { PresenceNode } from '../../../src/nodes/presence/presence-node.js';
import { SERVICES, waitFor } from '../../support/isolated-cluster.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { useRedisNamespace } from '../../support/redis-namespace.js';

/**
 * One presence worker on the machine's Postgres, Redis and NATS, with the gateways played by the
 * test: it renews their leases, writes their routes and publishes their device events, and
 * listens on their node subjects for what the worker delivers.
 */
const GRACE_MS = 300;
const TIMEOUT_MS = 400;

const database = useMigratedDatabase('chat_presence_');
const { namespace, redis } = useRedisNamespace('tpn');
const subjects = new Subjects(namespace, 1);
let nc: NatsConnection;
let store: RedisPresenceStore;
let routes: RedisRouteRegistry;
let rooms: RoomStore;
let config: ClusterConfig;
let registry: Registry;
let node: PresenceNode;
let leaseTimer: NodeJS.Timeout;
/** Every presence frame delivered, per gateway node, with the users it went to. */
const delivered: Array<{ node: string; users: string[]; status: PresenceStatus; at: number }> = [];

function renew(gateway: string): Promise<boolean> {
  return store.renewNode(gateway, Date.now() + TIMEOUT_MS, 1);
}

function listen(gateway: string): void {
  nc.subscribe(subjects.node(gateway), {
    callback: (error, message) => {
      if (error) return;
      for (const delivery of decodeJson<NodeEnvelope>(message.data).deliveries) {
        const frame = JSON.parse(delivery.frame) as { type: string; users: PresenceStatus[] };
        if (frame.type !== 'presence') continue;
        for (const status of frame.users)
          delivered.push({ node: gateway, users: delivery.users, status, at: Date.now() });
      }
    },
  });
}

/** A device of `user` on `gateway`, as a gateway's hello writes it, and its connect event. */
async function connectDevice(user: string, device: string, gateway = 'gw1'): Promise<number> {
  await routes.register({ user, device, node: gateway });
  await store.addNodeUser(gateway, user);
  return publish({ kind: 'connect', user, device, node: gateway, at: Date.now() });
}

/** The device goes away, as a gateway's close does it, and its disconnect event. */
async function disconnectDevice(user: string, device: string, gateway = 'gw1'): Promise<number> {
  await routes.unregister({ user, device, node: gateway });
  return publish({ kind: 'disconnect', user, device, node: gateway, at: Date.now() });
}

function publish(event: PresenceEvent): number {
  nc.publish(subjects.presenceEvents, encodeJson(event));
  return event.at;
}

const statusesOf = (user: string) => delivered.filter((item) => item.status.user === user);

beforeAll(async () => {
  nc = await connectNats(SERVICES.nats, 'presence-node-test');
  store = new RedisPresenceStore(redis(), namespace);
  routes = new RedisRouteRegistry(redis(), namespace);
  rooms = new RoomStore(database.pool());
  config = resolveConfig('presence', {
    postgresUrl: database.url,
    redisUrl: SERVICES.redis,
    natsUrl: SERVICES.nats,
    namespace,
    partitions: 1,
    nodeId: 'presence-test',
    heartbeatMs: 100,
    presenceTimeoutMs: TIMEOUT_MS,
    presenceGraceMs: GRACE_MS,
    logLevel: 'silent',
  });
  // The watcher: bob shares a group with each watched user (one each, so that a change goes to
  // bob alone); eve shares only a direct room with ann, where ann has not written yet (so ann's
  // presence is none of her business).
  for (const user of ['ann', 'cy', 'dee', 'fin', 'hal']) await rooms.createGroup('bob', `with-${user}`, [user], 10);
  await rooms.createDirect('eve', 'ann', 10);
  // gw1 stays alive through the suite and holds the watchers; gw2 is left to die.
  await renew('gw1');
  leaseTimer = setInterval(() => void renew('gw1'), 100);
  listen('gw1');
  await routes.register({ user: 'bob', device: 'desk', node: 'gw1' });
  await routes.register({ user: 'eve', device: 'desk', node: 'gw1' });
  await nc.flush();
  registry = new Registry();
  node = new PresenceNode({
    config,
    log: pino({ level: 'silent' }),
    registry,
    dueTickMs: 100,
    reapTickMs: 100,
  });
  await node.start();
}, 30_000);

afterAll(async () => {
  clearInterval(leaseTimer);
  await node?.stop();
  await nc?.close();
});

describe('presence node', () => {
  it("tells a user's co-members when a device connects, and not the member of a direct room it has not written in", async () => {
    const at = await connectDevice('ann', 'phone');
    await waitFor(() => statusesOf('ann').length > 0, 5000, "ann's online status");
    const [change] = statusesOf('ann');
    expect(change!.node).toBe('gw1');
    expect(change!.users).toEqual(['bob']);
    expect(change!.status.status).toBe('online');
    expect(change!.status.lastSeen).toBeGreaterThanOrEqual(at);
    // A second device of an online user changes nothing.
    await connectDevice('ann', 'laptop');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statusesOf('ann')).toHaveLength(1);
  });

  it('publishes offline with the last-seen time once the grace period has passed without a device', async () => {
    await connectDevice('cy', 'phone');
    await waitFor(() => statusesOf('cy').length === 1, 5000, "cy's online status");
    const leftAt = await disconnectDevice('cy', 'phone');
    await waitFor(() => statusesOf('cy').length === 2, 5000, "cy's offline status");
    const offline = statusesOf('cy')[1]!;
    expect(offline.status).toEqual({ user: 'cy', status: 'offline', lastSeen: leftAt });
    expect(offline.users).toEqual(['bob']);
    expect(offline.at - leftAt, 'not before the grace period').toBeGreaterThanOrEqual(GRACE_MS - 20);
    expect(await store.lastSeenOf(['cy'])).toEqual(new Map([['cy', leftAt]]));
  });

  it('a device back within the grace period: no offline, and no second online', async () => {
    await connectDevice('dee', 'phone');
    await waitFor(() => statusesOf('dee').length === 1, 5000, "dee's online status");
    await disconnectDevice('dee', 'phone');
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS / 3));
    await connectDevice('dee', 'phone');
    // Well past the first departure's due time and a due sweep or two.
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2 + 300));
    expect(statusesOf('dee').map((item) => item.status.status)).toEqual(['online']);
  });

  it('reaps a gateway whose lease lapsed: its users go offline as of its last heartbeat, its routes and lease are gone', async () => {
    const reapedBefore = await metricValue('chat_presence_reaped_nodes_total');
    const lastHeartbeat = Date.now();
    await store.renewNode('gw2', lastHeartbeat + TIMEOUT_MS, 1);
    await connectDevice('fin', 'phone', 'gw2');
    await waitFor(() => statusesOf('fin').length === 1, 5000, "fin's online status");
    expect(statusesOf('fin')[0]!.status.status).toBe('online');
    // gw2 renews no more.
    await waitFor(() => statusesOf('fin').length === 2, 5000, "fin's offline status");
    expect(statusesOf('fin')[1]!.status).toEqual({ user: 'fin', status: 'offline', lastSeen: lastHeartbeat });
    expect((await routes.lookup(['fin'])).get('fin')?.size ?? 0).toBe(0);
    expect(await store.aliveNodes(Date.now())).not.toContain('gw2');
    expect(await store.deadNodes(Date.now(), TIMEOUT_MS)).not.toContainEqual(expect.objectContaining({ node: 'gw2' }));
    // A gateway that comes back after the reap learns it was reaped from its renewal.
    expect(await renew('gw2')).toBe(false);
    await store.removeNode('gw2');
    expect(await metricValue('chat_presence_reaped_nodes_total')).toBe(reapedBefore + 1);
  });

  it("answers a reveal with the user's current status, to the users named and no one else", async () => {
    await connectDevice('gus', 'phone');
    // gus shares no room: his connect tells no one.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(statusesOf('gus')).toEqual([]);
    publish({ kind: 'reveal', reveals: [{ user: 'gus', to: ['eve'] }], at: Date.now() });
    await waitFor(() => statusesOf('gus').length === 1, 5000, "gus's status revealed to eve");
    expect(statusesOf('gus')[0]!.users).toEqual(['eve']);
    expect(statusesOf('gus')[0]!.status).toMatchObject({ user: 'gus', status: 'online' });
  });

  it('counts events by kind, changes by status, and the users online', async () => {
    const events = await registry.getSingleMetric('chat_presence_events_total')!.get();
    const byKind = new Map(events.values.map((value) => [value.labels.kind, value.value]));
    expect(byKind.get('connect')).toBeGreaterThanOrEqual(7);
    expect(byKind.get('disconnect')).toBeGreaterThanOrEqual(2);
    expect(byKind.get('reveal')).toBe(1);
    const changes = await registry.getSingleMetric('chat_presence_changes_total')!.get();
    const byStatus = new Map(changes.values.map((value) => [value.labels.status, value.value]));
    // ann, cy, dee, fin and gus online; cy and fin offline.
    expect(byStatus.get('online')).toBe(5);
    expect(byStatus.get('offline')).toBe(2);
    // ann, dee and gus are online still (the reap tick refreshes the gauge).
    await waitFor(async () => (await metricValue('chat_presence_online_users')) === 3, 3000, 'the online gauge');
  });

  it('two workers share the events: each change is published once', async () => {
    const second = new PresenceNode({
      config: { ...config, nodeId: 'presence-test-2' },
      log: pino({ level: 'silent' }),
      registry: new Registry(),
      dueTickMs: 100,
      reapTickMs: 100,
    });
    await second.start();
    try {
      for (let i = 0; i < 3; i++) {
        await connectDevice('hal', 'phone');
        await waitFor(() => statusesOf('hal').length === 2 * i + 1, 5000, "hal's online status");
        await disconnectDevice('hal', 'phone');
        await waitFor(() => statusesOf('hal').length === 2 * i + 2, 5000, "hal's offline status");
      }
      await new Promise((resolve) => setTimeout(resolve, GRACE_MS + 200));
      expect(statusesOf('hal').map((item) => item.status.status)).toEqual([
        'online',
        'offline',
        'online',
        'offline',
        'online',
        'offline',
      ]);
    } finally {
      await second.stop();
    }
  });
});

async function metricValue(name: string): Promise<number> {
  const metric = await registry.getSingleMetric(name)!.get();
  return metric.values.reduce((sum, value) => sum + value.value, 0);
}
