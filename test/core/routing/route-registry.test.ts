import { beforeAll, describe, expect, it } from 'vitest';
import { RedisRouteRegistry } from '../../../src/core/routing/route-registry.js';
import { useRedisNamespace } from '../../support/redis-namespace.js';
import { onRedisAndCluster } from '../../support/redis-cluster.js';

onRedisAndCluster((target) => {
  const { namespace, redis } = useRedisNamespace('tr', target);
  let routes: RedisRouteRegistry;

  beforeAll(() => {
    routes = new RedisRouteRegistry(redis(), namespace);
  });

  describe('route registry', () => {
    it('unregisters many connections in one round trip, each only its own route', async () => {
      await routes.registerWithin({ user: 'ida', device: 'phone', node: 'gw1', conn: 'c1' }, 3);
      await routes.registerWithin({ user: 'ida', device: 'phone', node: 'gw1', conn: 'c2' }, 3);
      await routes.registerWithin({ user: 'jon', device: 'laptop', node: 'gw2', conn: 'c3' }, 3);
      await routes.unregisterAll([
        { user: 'ida', device: 'phone', node: 'gw1', conn: 'c1' },
        { user: 'jon', device: 'laptop', node: 'gw2', conn: 'c3' },
      ]);
      expect(await routes.lookup(['ida', 'jon'])).toEqual(new Map([['ida', new Map([['phone', ['gw1']]])]]));
    });

    it('registers many connections in one round trip as if one after the other: devices of one user in the batch count each other', async () => {
      const outcomes = await routes.registerAllWithin([
        { route: { user: 'gus', device: 'phone', node: 'gw1', conn: 'c1' }, maxDevices: 2 },
        { route: { user: 'hal', device: 'phone', node: 'gw1', conn: 'c2' }, maxDevices: 2 },
        { route: { user: 'gus', device: 'laptop', node: 'gw1', conn: 'c3' }, maxDevices: 2 },
        { route: { user: 'gus', device: 'tablet', node: 'gw1', conn: 'c4' }, maxDevices: 2 },
      ]);
      expect(outcomes).toEqual([
        { registered: true, otherDevices: 0 },
        { registered: true, otherDevices: 0 },
        { registered: true, otherDevices: 1 },
        { registered: false, otherDevices: 2 },
      ]);
      // The refused tablet left no route.
      expect((await routes.lookup(['gus'])).get('gus')).toEqual(
        new Map([
          ['phone', ['gw1']],
          ['laptop', ['gw1']],
        ]),
      );
    });

    it('registers devices up to the cap of others, and refuses one more without leaving its route', async () => {
      expect(await routes.registerWithin({ user: 'ann', device: 'phone', node: 'gw1' }, 2)).toEqual({
        registered: true,
        otherDevices: 0,
      });
      expect(await routes.registerWithin({ user: 'ann', device: 'laptop', node: 'gw2' }, 2)).toEqual({
        registered: true,
        otherDevices: 1,
      });
      expect(await routes.registerWithin({ user: 'ann', device: 'tablet', node: 'gw1' }, 2)).toEqual({
        registered: false,
        otherDevices: 2,
      });
      expect(await routes.lookup(['ann'])).toEqual(
        new Map([
          [
            'ann',
            new Map([
              ['phone', ['gw1']],
              ['laptop', ['gw2']],
            ]),
          ],
        ]),
      );
    });

    it('lets a device already online connect on another node at the cap too: it is routed to both', async () => {
      await routes.registerWithin({ user: 'bo', device: 'phone', node: 'gw1' }, 1);
      expect(await routes.registerWithin({ user: 'bo', device: 'phone', node: 'gw2' }, 1)).toEqual({
        registered: true,
        otherDevices: 0,
      });
      expect((await routes.lookup(['bo'])).get('bo')).toEqual(new Map([['phone', ['gw1', 'gw2']]]));
    });

    it("closing a device's connection on one node leaves its route on the other (issue 13, item 1a)", async () => {
      await routes.registerWithin({ user: 'di', device: 'phone', node: 'gw1' }, 3);
      await routes.registerWithin({ user: 'di', device: 'phone', node: 'gw2' }, 3);
      await routes.unregister({ user: 'di', device: 'phone', node: 'gw1' });
      expect((await routes.lookup(['di'])).get('di')).toEqual(new Map([['phone', ['gw2']]]));
      await routes.unregister({ user: 'di', device: 'phone', node: 'gw2' });
      expect(await routes.lookup(['di'])).toEqual(new Map());
    });

    it('each connection of a device has a route of its own: closing the older one on the same node leaves the newer one (a fast reconnect)', async () => {
      await routes.registerWithin({ user: 'flo', device: 'phone', node: 'gw1', conn: 'gw1-1' }, 3);
      // The device reconnects to the same node before the first connection's close is handled.
      await routes.registerWithin({ user: 'flo', device: 'phone', node: 'gw1', conn: 'gw1-2' }, 3);
      await routes.unregister({ user: 'flo', device: 'phone', node: 'gw1', conn: 'gw1-1' });
      expect((await routes.lookup(['flo'])).get('flo')).toEqual(new Map([['phone', ['gw1']]]));
      await routes.unregister({ user: 'flo', device: 'phone', node: 'gw1', conn: 'gw1-2' });
      expect(await routes.lookup(['flo'])).toEqual(new Map());
    });

    it('reads and removes routes written in the earlier form (field = the device alone)', async () => {
      await redis().hset(`${namespace}:route:{eve}`, 'phone', 'gw1', 'laptop', 'gw2');
      expect((await routes.lookup(['eve'])).get('eve')).toEqual(
        new Map([
          ['phone', ['gw1']],
          ['laptop', ['gw2']],
        ]),
      );
      expect(await routes.registerWithin({ user: 'eve', device: 'tablet', node: 'gw1' }, 2)).toEqual({
        registered: false,
        otherDevices: 2,
      });
      await routes.unregister({ user: 'eve', device: 'laptop', node: 'gw1' });
      await routes.unregister({ user: 'eve', device: 'phone', node: 'gw1' });
      expect((await routes.lookup(['eve'])).get('eve')).toEqual(new Map([['laptop', ['gw2']]]));
    });

    it('runs the commands given alongside in the same round trip', async () => {
      const marker = `${namespace}:marker`;
      await routes.registerWithin({ user: 'cy', device: 'phone', node: 'gw1' }, 5, (pipeline) =>
        pipeline.sadd(marker, 'cy'),
      );
      expect(await redis().smembers(marker)).toEqual(['cy']);
      expect(await redis().ttl(`${namespace}:route:{cy}`)).toBeGreaterThan(RedisRouteRegistry.TTL_SECONDS - 10);
    });
  });
});
