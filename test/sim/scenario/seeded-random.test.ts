import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/sim/scenario/seeded-random.js';

const draws = (random: SeededRandom, n: number) => Array.from({ length: n }, () => random.next());

describe('scenario seeded random', () => {
  it('the same seed and stream give the same numbers', () => {
    expect(draws(new SeededRandom(7, 'rooms'), 100)).toEqual(draws(new SeededRandom(7, 'rooms'), 100));
  });

  it('another seed or another stream gives other numbers', () => {
    const base = draws(new SeededRandom(7, 'rooms'), 10);
    expect(draws(new SeededRandom(8, 'rooms'), 10)).not.toEqual(base);
    expect(draws(new SeededRandom(7, 'sends'), 10)).not.toEqual(base);
  });

  it('numbers are uniform in [0, 1)', () => {
    const random = new SeededRandom(1);
    const buckets = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = random.next();
      if (x < 0 || x >= 1) outside++;
      else buckets[Math.floor(x * 10)]!++;
    }
    expect(outside).toBe(0);
    for (const count of buckets) expect(Math.abs(count - 10_000)).toBeLessThan(500);
  });

  it('exponential variates have mean 1', () => {
    const random = new SeededRandom(3);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) sum += random.exponential();
    expect(sum / 100_000).toBeCloseTo(1, 1);
  });

  it('pickMask picks exactly the count asked for', () => {
    const mask = new SeededRandom(5).pickMask(37, 200);
    expect(mask.reduce((sum, bit) => sum + bit, 0)).toBe(37);
    expect(new SeededRandom(5).pickMask(500, 200).reduce((sum, bit) => sum + bit, 0)).toBe(200);
  });

  it('int stays within its bounds and reaches both', () => {
    const random = new SeededRandom(9);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(random.int(3, 6));
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
  });
});
