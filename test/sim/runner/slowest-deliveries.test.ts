import { describe, expect, it } from 'vitest';
import { SlowestDeliveries, slowestOf, type SlowDelivery } from '../../../src/sim/runner/slowest-deliveries.js';

const delivery = (msgId: string, latencyMs: number): SlowDelivery => ({ msgId, room: 'r', seq: 1, latencyMs, at: 0 });

describe('slowest deliveries', () => {
  it('keeps the slowest, slowest first', () => {
    const slowest = new SlowestDeliveries(3);
    for (const [id, ms] of [
      ['a', 5],
      ['b', 50],
      ['c', 1],
      ['d', 20],
      ['e', 30],
    ] as const)
      slowest.offer(delivery(id, ms));
    expect(slowest.list().map((d) => [d.msgId, d.latencyMs])).toEqual([
      ['b', 50],
      ['e', 30],
      ['d', 20],
    ]);
  });

  it('counts a message once, at its slowest copy', () => {
    const slowest = new SlowestDeliveries(3);
    slowest.offer(delivery('a', 10));
    slowest.offer(delivery('a', 40));
    slowest.offer(delivery('a', 20));
    slowest.offer(delivery('b', 15));
    expect(slowest.list().map((d) => [d.msgId, d.latencyMs])).toEqual([
      ['a', 40],
      ['b', 15],
    ]);
  });

  it("merges every load process's lists", () => {
    const merged = slowestOf(
      [
        [delivery('a', 9), delivery('b', 3)],
        [delivery('c', 7), delivery('a', 12)],
      ],
      2,
    );
    expect(merged.map((d) => [d.msgId, d.latencyMs])).toEqual([
      ['a', 12],
      ['c', 7],
    ]);
  });
});
