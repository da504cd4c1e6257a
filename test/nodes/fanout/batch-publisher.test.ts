import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { ChainableCommander } from 'ioredis';
import { BatchPublisher, type Publication } from '../../../src/nodes/fanout/batch-publisher.js';
import type { HistoryCache } from '../../../src/core/cache/history-cache.js';
import type { Deliverer } from '../../../src/core/routing/deliverer.js';
import type { Message } from '../../../src/core/protocol/server-frames.js';

const message = (room: string, seq: number): Message => ({ room, seq, msgId: `${room}-${seq}`, sender: 'a', senderDevice: 'd', clientMsgId: `c${seq}`, body: 'x', ts: 1 });
const publication = (room: string, seq: number): Publication => ({
  outgoing: [{ users: ['a', 'b'], frame: `msg ${room}/${seq}` }],
  replies: [{ node: 'gw', conn: 'c1', frame: `ack ${room}/${seq}` }],
  fresh: [message(room, seq)],
});

/** A deliverer whose calls the test completes by hand, and a cache that notes what it was asked to write. */
function fakes() {
  const calls: Array<{ frames: string[]; cached: string[]; finish: () => void; fail: () => void }> = [];
  const cached: string[] = [];
  const cache = { appendIn: (_pipeline: ChainableCommander, messages: Message[]) => cached.push(...messages.map((m) => m.msgId)) } as unknown as HistoryCache;
  const deliverer = {
    deliverStamped: (outgoing: Publication['outgoing'], replies: Publication['replies'], _known: unknown, alongside?: (pipeline: ChainableCommander) => void) =>
      new Promise((resolve, reject) => {
        const before = cached.length;
        alongside?.({} as ChainableCommander);
        calls.push({
          frames: [...outgoing.map((o) => o.frame), ...replies.map((r) => r.frame)],
          cached: cached.slice(before),
          finish: () => resolve({ routes: new Map([['a', new Map([['d', 'gw']])]]), publishedAt: 42 }),
          fail: () => reject(new Error('redis down')),
        });
      }),
  } as unknown as Deliverer;
  return { calls, cache, deliverer };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('batch publisher', () => {
  it('sends the publications that arrive while one is out together, in order, with their cache writes in the same round trip', async () => {
    const { calls, cache, deliverer } = fakes();
    const publisher = new BatchPublisher(deliverer, cache, pino({ level: 'silent' }));
    const first = publisher.publish(publication('r1', 1));
    const later = [publisher.publish(publication('r2', 1)), publisher.publish(publication('r3', 7))];
    expect(calls.map((c) => c.frames)).toEqual([['msg r1/1', 'ack r1/1']]);
    expect(calls[0]!.cached).toEqual(['r1-1']);
    calls[0]!.finish();
    await tick();
    expect(calls.map((c) => c.frames)).toEqual([
      ['msg r1/1', 'ack r1/1'],
      ['msg r2/1', 'msg r3/7', 'ack r2/1', 'ack r3/7'],
    ]);
    expect(calls[1]!.cached).toEqual(['r2-1', 'r3-7']);
    calls[1]!.finish();
    for (const published of await Promise.all([first, ...later])) {
      expect(published.publishedAt).toBe(42);
      expect([...published.routes.keys()]).toEqual(['a']);
    }
  });

  it('rejects every publication of a call whose route lookup failed, so each batch is retried', async () => {
    const { calls, cache, deliverer } = fakes();
    const publisher = new BatchPublisher(deliverer, cache, pino({ level: 'silent' }));
    const held = publisher.publish(publication('r1', 1));
    const waiting = [publisher.publish(publication('r2', 1)), publisher.publish(publication('r3', 1))];
    calls[0]!.finish();
    await held;
    await tick();
    calls[1]!.fail();
    for (const result of await Promise.allSettled(waiting)) {
      expect(result).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/route lookup failed/) } });
    }
  });
});
