import { describe, expect, it } from 'vitest';
import { GatewayCensus } from '../../../src/nodes/fanout/gateway-census.js';

describe('gateway census', () => {
  it('goes by route until the first count, then broadcasts while at most upTo gateways are alive', async () => {
    let alive = 3;
    const changes: Array<[boolean, number]> = [];
    const census = new GatewayCensus(
      async () => alive,
      4,
      (broadcast, count) => changes.push([broadcast, count]),
    );
    expect(census.broadcast).toBe(false);
    await census.refresh();
    expect(census.broadcast).toBe(true);
    alive = 4;
    await census.refresh();
    expect(census.broadcast).toBe(true);
    alive = 5;
    await census.refresh();
    expect(census.broadcast).toBe(false);
    expect(census.aliveGateways).toBe(5);
    alive = 1;
    await census.refresh();
    expect(changes).toEqual([
      [true, 3],
      [false, 5],
      [true, 1],
    ]);
  });

  it('never broadcasts with upTo 0, and does not count at all', async () => {
    let counted = 0;
    const census = new GatewayCensus(async () => {
      counted++;
      return 1;
    }, 0);
    await census.refresh();
    expect(census.broadcast).toBe(false);
    expect(counted).toBe(0);
  });

  it('keeps the last count when a count fails, and counts one at a time', async () => {
    let calls = 0;
    let fail = false;
    const census = new GatewayCensus(async () => {
      calls++;
      if (fail) throw new Error('redis down');
      return 2;
    }, 4);
    await Promise.all([census.refresh(), census.refresh()]);
    expect(calls).toBe(1);
    fail = true;
    await census.refresh();
    expect(census.broadcast).toBe(true);
    expect(census.aliveGateways).toBe(2);
  });
});
