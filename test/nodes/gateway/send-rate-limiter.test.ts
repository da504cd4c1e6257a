import { describe, expect, it } from 'vitest';
import { SendRateLimiter } from '../../../src/nodes/gateway/send-rate-limiter.js';

describe('gateway - send rate limiter', () => {
  it('gateway - a burst passes, the next send waits for a token', () => {
    const limiter = new SendRateLimiter(10, 3, 0);
    expect([limiter.take(0), limiter.take(0), limiter.take(0)]).toEqual([0, 0, 0]);
    expect(limiter.take(0)).toBe(100);
  });

  it('gateway - tokens refill at the sustained rate and never beyond the burst', () => {
    const limiter = new SendRateLimiter(10, 2, 0);
    limiter.take(0);
    limiter.take(0);
    expect(limiter.take(50)).toBe(50);
    expect(limiter.take(100)).toBe(0);
    expect(limiter.take(10_000)).toBe(0);
    expect(limiter.take(10_000)).toBe(0);
    expect(limiter.take(10_000)).toBeGreaterThan(0);
  });
});
