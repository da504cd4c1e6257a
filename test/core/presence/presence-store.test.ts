import { beforeAll, describe, expect, it } from 'vitest';
import { RedisPresenceStore } from '../../../src/core/presence/presence-store.js';
import { RedisRouteRegistry } from '../../../src/core/routing/route-registry.js';
import { useRedisNamespace } from '../../support/redis-namespace.js';
import { onRedisAndCluster } from '../../support/redis-cluster.js';

onRedisAndCluster((target) => {
  const { namespace, redis } = useRedisNamespace('tp', target);
  let store: RedisPresenceStore;
  let routes: RedisRouteRegistry;

  beforeAll(() => {
    store = new RedisPresenceStore(redis(), namespace);
    routes = new RedisRouteRegistry(redis(), namespace);
  });

  describe('presence - store (Redis)', () => {
    it("reaping many users of a dead node in one round trip: each loses only that node's routes, and last-seen is set where it held some", async () => {
      await routes.register({ user: 'gil', device: 'phone', node: 'dead2' });
      await routes.register({ user: 'gil', device: 'laptop', node: 'alive2' });
      await routes.register({ user: 'hana', device: 'phone', node: 'alive2' });
      expect(await store.reapUsers(['gil', 'hana', 'nobody'], 'dead2', 77)).toEqual([1, 0, 0]);
      expect((await routes.lookup(['gil'])).get('gil')).toEqual(new Map([['laptop', ['alive2']]]));
      expect(await store.lastSeenOf(['gil', 'hana', 'nobody'])).toEqual(new Map([['gil', 77]]));
      await store.scheduleChecks(['gil', 'hana'], 500);
      expect((await store.claimDue(500)).sort()).toEqual(['gil', 'hana']);
    });

    it('evaluates many users in one round trip, each as evaluate() would; departures record last-seen and the grace check', async () => {
      await routes.register({ user: 'eve', device: 'phone', node: 'gw1' });
      await routes.register({ user: 'fay', device: 'phone', node: 'gone' });
      expect(await store.evaluateMany(['eve', 'fay', 'eve'], ['gw1'], 3000)).toEqual([
        { user: 'eve', status: 'online', lastSeen: 3000 },
        undefined,
        undefined,
      ]);
      await store.recordDepartures([
        { user: 'eve', at: 3500, due: 400 },
        { user: 'eve', at: 3600, due: 450 },
      ]);
      // The later departure of a user wins, as one after the other.
      expect(await store.claimDue(420)).toEqual([]);
      expect(await store.claimDue(450)).toEqual(['eve']);
      expect(await store.evaluateMany(['eve'], [], 4000)).toEqual([{ user: 'eve', status: 'offline', lastSeen: 3600 }]);
    });

    it('a user is online while a device routes to a live node, and a change is reported once', async () => {
      await routes.register({ user: 'ann', device: 'phone', node: 'gw1' });
      const online = await store.onlineUsers();
      expect(await store.evaluate('ann', ['gw1'], 1000)).toEqual({ user: 'ann', status: 'online', lastSeen: 1000 });
      expect(await store.onlineUsers()).toBe(online + 1);
      expect(await store.evaluate('ann', ['gw1'], 1100)).toBeUndefined();
      // The node is not alive any more: offline, with the recorded last-seen time.
      await store.recordLastSeen('ann', 1500);
      expect(await store.evaluate('ann', [], 2000)).toEqual({ user: 'ann', status: 'offline', lastSeen: 1500 });
      expect(await store.onlineUsers()).toBe(online);
      expect(await store.evaluate('ann', [], 2100)).toBeUndefined();
    });

    it('reaping a dead node removes only the routes that still point at it', async () => {
      await routes.register({ user: 'bo', device: 'phone', node: 'dead' });
      await routes.register({ user: 'bo', device: 'laptop', node: 'alive' });
      await store.addNodeUser('dead', 'bo');
      expect(await store.reapUser('bo', 'dead', 42)).toBe(1);
      expect([...(await routes.lookup(['bo'])).get('bo')!.entries()]).toEqual([['laptop', ['alive']]]);
      expect(await store.evaluate('bo', ['alive'], 50)).toMatchObject({ status: 'online' });
    });

    it('node leases: alive until they expire, then listed dead with their last heartbeat', async () => {
      await store.renewNode('n1', 10_000, 3);
      await store.renewNode('n2', 20_000, 4);
      expect((await store.aliveNodes(15_000)).sort()).toEqual(['n2']);
      expect(await store.deadNodes(15_000, 5000)).toContainEqual({ node: 'n1', lastHeartbeat: 5000 });
      expect(await store.onlineDevices(['n1', 'n2'])).toBe(7);
      expect(await store.claimReap('n1')).toBe(true);
      expect(await store.claimReap('n1')).toBe(false);
      await store.removeNode('n1');
      expect(await store.deadNodes(15_000, 5000)).not.toContainEqual(expect.objectContaining({ node: 'n1' }));
      // A renewal says whether the lease was still listed: a reaped node learns it was.
      expect(await store.renewNode('n2', 25_000, 4)).toBe(true);
      expect(await store.renewNode('n1', 25_000, 3)).toBe(false);
    });

    it('due checks are claimed once, when due', async () => {
      await store.scheduleCheck('cy', 100);
      await store.scheduleCheck('di', 300);
      expect(await store.claimDue(200)).toEqual(['cy']);
      expect(await store.claimDue(200)).toEqual([]);
      expect(await store.claimDue(300)).toEqual(['di']);
    });
  });
});
