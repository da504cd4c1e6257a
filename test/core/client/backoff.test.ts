import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffDelay, goawayDelay } from '../../../src/core/client/backoff.js';

const almostOne = () => 0.999_999_999;
const zero = () => 0;

describe('backoff', () => {
  it('the defaults are 250 ms doubling up to 10 s', () => {
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 250, maxMs: 5000 });
  });

  it('the ceiling doubles from initialMs and stops at maxMs', () => {
    const ceilings = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, DEFAULT_BACKOFF, almostOne) + 1);
    expect(ceilings).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000]);
  });

  it('full jitter: every delay lies in [0, ceiling) and can be 0', () => {
    for (let attempt = 0; attempt < 80; attempt++) {
      const ceiling = Math.min(DEFAULT_BACKOFF.maxMs, DEFAULT_BACKOFF.initialMs * 2 ** attempt);
      expect(backoffDelay(attempt, DEFAULT_BACKOFF, zero)).toBe(0);
      for (const r of [0.1, 0.5, 0.9, 0.999_999]) {
        const delay = backoffDelay(attempt, DEFAULT_BACKOFF, () => r);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(ceiling);
        expect(Number.isInteger(delay)).toBe(true);
      }
    }
  });

  it('delays spread over the whole range, not around the ceiling', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(3, DEFAULT_BACKOFF));
    const ceiling = 2000;
    expect(Math.min(...delays)).toBeLessThan(ceiling * 0.1);
    expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.9);
    expect(Math.max(...delays)).toBeLessThan(ceiling);
  });

  it('odd attempts (negative, huge, fractional) stay within bounds', () => {
    expect(backoffDelay(-3, DEFAULT_BACKOFF, almostOne)).toBe(249);
    expect(backoffDelay(10_000, DEFAULT_BACKOFF, almostOne)).toBe(4999);
    expect(backoffDelay(1.7, DEFAULT_BACKOFF, almostOne)).toBe(499);
  });

  it('a goaway delay is about reconnectInMs: within [0.5x, 1.5x)', () => {
    expect(goawayDelay(1000, zero)).toBe(500);
    expect(goawayDelay(1000, () => 0.5)).toBe(1000);
    expect(goawayDelay(1000, almostOne)).toBe(1499);
    expect(goawayDelay(0, almostOne)).toBe(0);
  });
});
