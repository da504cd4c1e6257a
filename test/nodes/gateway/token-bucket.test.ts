import { describe, expect, it } from 'vitest';
import { TokenBucket } from '../../../src/nodes/gateway/token-bucket.js';

describe('gateway - token bucket', () => {
  it('a burst passes, the next send waits for a token', () => {
    const limiter = new TokenBucket(10, 3, 0);
    expect([limiter.take(0), limiter.take(0), limiter.take(0)]).toEqual([0, 0, 0]);
    expect(limiter.take(0)).toBe(100);
  });

  it('tokens refill at the sustained rate and never beyond the burst', () => {
    const limiter = new TokenBucket(10, 2, 0);
    limiter.take(0);
    limiter.take(0);
    expect(limiter.take(50)).toBe(50);
    expect(limiter.take(100)).toBe(0);
    expect(limiter.take(10_000)).toBe(0);
    expect(limiter.take(10_000)).toBe(0);
    expect(limiter.take(10_000)).toBeGreaterThan(0);
  });

  it('says how long until the bucket holds a given number of tokens, never beyond the burst', () => {
    const bucket = new TokenBucket(10, 5, 0);
    for (let i = 0; i < 5; i++) bucket.take(0);
    expect(bucket.msUntil(1)).toBe(100);
    expect(bucket.msUntil(3)).toBe(300);
    expect(bucket.msUntil(50)).toBe(500);
    bucket.take(1000);
    expect(bucket.msUntil(4)).toBe(0);
  });
});
