import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { ChainableCommander } from 'ioredis';
import { BatchPublisher, type Publication } from '../../../src/nodes/fanout/batch-publisher.js';
import type { HistoryCache } from '../../../src/core/cache/history-cache.js';
import type { Deliverer } from '../../../src/core/routing/deliverer.js';
import type { RouteRegistry } from '../../../src/core/routing/route-registry.js';
import type { Message } from '../../../src/core/protocol/server-frames.js';

const message = (room: string, seq: number): Message => ({
  room,
  seq,
  msgId: `${room}-${seq}`,
  sender: 'a',
  senderDevice: 'd',
  clientMsgId: `c${seq}`,
  body: 'x',
  ts: 1,
});
const publication = (room: string, seq: number): Publication => ({
  outgoing: [{ users: ['a', 'b'], frame: `msg ${room}/${seq}` }],
  replies: [{ node: 'gw', conn: 'c1', frame: `ack ${room}/${seq}` }],
  fresh: [message(room, seq)],
});

/**
 * Route lookups the test answers by hand, a cache that notes what it was asked to write, and a
 * deliverer that notes what it published, by route or to every node.
 */
function fakes() {
  const lookups: Array<{ users: string[]; cached: string[]; finish: () => void; fail: () => void }> = [];
  const cached: string[] = [];
  const published: Array<{ to: 'routes' | 'all'; frames: string[] }> = [];
  const appended: string[][] = [];
  const cache = {
    appendIn: (_pipeline: ChainableCommander, messages: Message[]) => cached.push(...messages.map((m) => m.msgId)),
    append: async (messages: Message[]) => void appended.push(messages.map((m) => m.msgId)),
  } as unknown as HistoryCache;
  const routes = {
    lookup: (users: string[], alongside?: (pipeline: ChainableCommander) => void) =>
      new Promise((resolve, reject) => {
        const before = cached.length;
        alongside?.({} as ChainableCommander);
        lookups.push({
          users,
          cached: cached.slice(before),
          finish: () => resolve(new Map([['a', new Map([['d', ['gw']]])]])),
          fail: () => reject(new Error('redis down')),
        });
      }),
  } as unknown as RouteRegistry;
  const framesOf = (outgoing: Publication['outgoing'], replies: Publication['replies']) => [
    ...outgoing.map((o) => o.frame),
    ...replies.map((r) => r.frame),
  ];
  const deliverer = {
    deliverStamped: async (outgoing: Publication['outgoing'], replies: Publication['replies'], known: unknown) => {
      published.push({ to: 'routes', frames: framesOf(outgoing, replies) });
      return { routes: known, publishedAt: 42 };
    },
    deliverToAll: (outgoing: Publication['outgoing'], replies: Publication['replies']) => {
      published.push({ to: 'all', frames: framesOf(outgoing, replies) });
      return 43;
    },
  } as unknown as Deliverer;
  return { lookups, published, cache, routes, deliverer, appended };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('batch publisher', () => {
  it('sends the publications of one turn together, and those that arrive while one is out together next, in order, with their cache writes in the same round trip', async () => {
    const { lookups, published, cache, routes, deliverer } = fakes();
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }));
    const first = [publisher.publish(publication('r1', 1)), publisher.publish(publication('r2', 1))];
    await tick();
    expect(lookups.map((l) => l.users)).toEqual([['a', 'b']]);
    expect(lookups[0]!.cached).toEqual(['r1-1', 'r2-1']);
    const later = [publisher.publish(publication('r3', 7)), publisher.publish(publication('r4', 2))];
    await tick();
    expect(lookups).toHaveLength(1);
    lookups[0]!.finish();
    await Promise.all(first);
    await tick();
    expect(lookups[1]!.cached).toEqual(['r3-7', 'r4-2']);
    lookups[1]!.finish();
    for (const done of await Promise.all([...first, ...later])) {
      expect(done.publishedAt).toBe(42);
      expect([...done.routes!.keys()]).toEqual(['a']);
    }
    expect(published).toEqual([
      { to: 'routes', frames: ['msg r1/1', 'msg r2/1', 'ack r1/1', 'ack r2/1'] },
      { to: 'routes', frames: ['msg r3/7', 'msg r4/2', 'ack r3/7', 'ack r4/2'] },
    ]);
  });

  it('delivers to every gateway node when the route lookup fails: the publications resolve without routes', async () => {
    const { lookups, published, cache, routes, deliverer } = fakes();
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }));
    const done = publisher.publish(publication('r1', 1));
    await tick();
    lookups[0]!.fail();
    expect(await done).toEqual({ routes: undefined, publishedAt: 43 });
    expect(published).toEqual([{ to: 'all', frames: ['msg r1/1', 'ack r1/1'] }]);
  });

  it('does not wait for a lookup that never answers, nor ask again until it does', async () => {
    const { lookups, published, cache, routes, deliverer } = fakes();
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }), { lookupTimeoutMs: 50 });
    expect((await publisher.publish(publication('r1', 1))).routes).toBeUndefined();
    expect((await publisher.publish(publication('r1', 2))).routes).toBeUndefined();
    expect(lookups).toHaveLength(1);
    // Once it answers, the next batch asks again and goes by route.
    lookups[0]!.finish();
    await tick();
    const third = publisher.publish(publication('r1', 3));
    await tick();
    expect(lookups).toHaveLength(2);
    lookups[1]!.finish();
    expect((await third).publishedAt).toBe(42);
    expect(published.map((p) => p.to)).toEqual(['all', 'all', 'routes']);
  });

  it('in a small cluster publishes to every gateway node before the route lookup answers, then resolves with its routes', async () => {
    const { lookups, published, cache, routes, deliverer } = fakes();
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }), {
      broadcast: () => true,
    });
    const first = publisher.publish(publication('r1', 1));
    await tick();
    // Out before Redis answered: the lookup is off the message's path.
    expect(published).toEqual([{ to: 'all', frames: ['msg r1/1', 'ack r1/1'] }]);
    expect(lookups.map((l) => [l.users, l.cached])).toEqual([[['a', 'b'], ['r1-1']]]);
    const second = publisher.publish(publication('r2', 1));
    await tick();
    // The next publication waits for this one's lookup, so publications stay in order and coalesce.
    expect(published).toHaveLength(1);
    lookups[0]!.finish();
    const done = await first;
    expect(done.publishedAt).toBe(43);
    expect([...done.routes!.keys()]).toEqual(['a']);
    await tick();
    expect(published.map((p) => p.frames)).toEqual([
      ['msg r1/1', 'ack r1/1'],
      ['msg r2/1', 'ack r2/1'],
    ]);
    lookups[1]!.fail();
    // Redis out of reach costs the push decisions their routes, never the delivery.
    expect(await second).toEqual({ routes: undefined, publishedAt: 43 });
  });

  it('asks the cluster size once per publication: it goes by route again once the cluster grew', async () => {
    const { lookups, published, cache, routes, deliverer } = fakes();
    let small = true;
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }), {
      broadcast: () => small,
    });
    const first = publisher.publish(publication('r1', 1));
    await tick();
    lookups[0]!.finish();
    await first;
    small = false;
    const second = publisher.publish(publication('r1', 2));
    await tick();
    expect(published.map((p) => p.to)).toEqual(['all']);
    lookups[1]!.finish();
    expect((await second).publishedAt).toBe(42);
    expect(published.map((p) => p.to)).toEqual(['all', 'routes']);
  });

  it('rejects when the publish itself fails (NATS closed), so the caller retries the delivery', async () => {
    const { lookups, cache, routes, deliverer } = fakes();
    (deliverer as unknown as { deliverStamped: () => Promise<never> }).deliverStamped = async () => {
      throw new Error('connection closed');
    };
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }));
    const done = publisher.publish(publication('r1', 1));
    await tick();
    lookups[0]!.finish();
    await expect(done).rejects.toThrow(/connection closed/);
  });

  it('rejects when a publish to every gateway node fails, without asking Redis', async () => {
    const { lookups, cache, routes, deliverer } = fakes();
    (deliverer as unknown as { deliverToAll: () => never }).deliverToAll = () => {
      throw new Error('connection closed');
    };
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }), {
      broadcast: () => true,
    });
    await expect(publisher.publish(publication('r1', 1))).rejects.toThrow(/connection closed/);
    expect(lookups).toHaveLength(0);
  });

  it('in a small cluster looks no route up when no publication needs one (no push registrations): its cache write goes with the next ones', async () => {
    const { lookups, published, cache, routes, deliverer, appended } = fakes();
    const publisher = new BatchPublisher(deliverer, routes, cache, pino({ level: 'silent' }), {
      broadcast: () => true,
      cacheWindowMs: 30,
    });
    const first = await publisher.publish({ ...publication('r1', 1), needsRoutes: false });
    expect(first).toEqual({ routes: new Map(), publishedAt: 43 });
    const second = await publisher.publish({ ...publication('r2', 4), needsRoutes: false });
    expect(second.routes).toEqual(new Map());
    expect(published.map((p) => p.to)).toEqual(['all', 'all']);
    expect(lookups).toHaveLength(0);
    expect(appended).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(appended).toEqual([['r1-1', 'r2-4']]);
    // One that needs routes (a member with a push registration) is looked up, its cache write with it.
    const third = publisher.publish({ ...publication('r3', 2), needsRoutes: true });
    await tick();
    expect(lookups.map((l) => [l.users, l.cached])).toEqual([[['a', 'b'], ['r3-2']]]);
    lookups[0]!.finish();
    expect([...(await third).routes!.keys()]).toEqual(['a']);
  });
});
