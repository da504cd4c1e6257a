import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LingeringSessions } from '../../../../src/nodes/gateway/long-poll/lingering-sessions.js';

describe('lingering sessions', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('a closed session is forgotten once, after lingerMs', () => {
    const forgotten: string[] = [];
    const lingering = new LingeringSessions({ lingerMs: 1000, maxPerUser: 4 }, (id) => forgotten.push(id));
    lingering.add('ann', 's1');
    vi.advanceTimersByTime(999);
    expect(forgotten).toEqual([]);
    expect(lingering.countOf('ann')).toBe(1);
    vi.advanceTimersByTime(1);
    expect(forgotten).toEqual(['s1']);
    expect(lingering.countOf('ann')).toBe(0);
    vi.advanceTimersByTime(10_000);
    expect(forgotten).toEqual(['s1']);
  });

  it("past maxPerUser the user's oldest is forgotten at once, and its timer does not fire later", () => {
    const forgotten: string[] = [];
    const lingering = new LingeringSessions({ lingerMs: 1000, maxPerUser: 2 }, (id) => forgotten.push(id));
    lingering.add('ann', 'a1');
    lingering.add('bob', 'b1');
    lingering.add('ann', 'a2');
    lingering.add('ann', 'a3');
    expect(forgotten).toEqual(['a1']);
    expect(lingering.countOf('ann')).toBe(2);
    expect(lingering.countOf('bob'), "another user's are not touched").toBe(1);
    vi.advanceTimersByTime(1000);
    expect(forgotten.sort()).toEqual(['a1', 'a2', 'a3', 'b1']);
  });

  it('a user who closes sessions as fast as they can keeps maxPerUser lingering, no more', () => {
    const forgotten = new Set<string>();
    const lingering = new LingeringSessions({ lingerMs: 30_000, maxPerUser: 32 }, (id) => forgotten.add(id));
    for (let i = 0; i < 10_000; i++) lingering.add('mallory', `s${i}`);
    expect(lingering.countOf('mallory')).toBe(32);
    expect(forgotten.size).toBe(10_000 - 32);
    expect(forgotten.has('s9999')).toBe(false);
  });
});
