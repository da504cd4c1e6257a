import { describe, expect, it } from 'vitest';
import { UserRateLimiter } from '../../../src/nodes/gateway/user-rate-limiter.js';

describe('gateway - per-user rate limiter (room adds)', () => {
  it('a request takes as many tokens as it adds users; a refusal takes none and says how long to wait', () => {
    const limiter = new UserRateLimiter(2, 20, 0);
    expect(limiter.take('mallory', 15, 0)).toBe(0);
    expect(limiter.take('mallory', 15, 0)).toBe(5000);
    expect(limiter.take('mallory', 5, 0)).toBe(0);
    expect(limiter.take('mallory', 1, 0)).toBe(500);
  });

  it('users have separate buckets', () => {
    const limiter = new UserRateLimiter(1, 3, 0);
    expect(limiter.take('a', 3, 0)).toBe(0);
    expect(limiter.take('b', 3, 0)).toBe(0);
    expect(limiter.take('a', 1, 0)).toBeGreaterThan(0);
  });

  it('more than the burst at once is judged as a full bucket, not refused for ever', () => {
    const limiter = new UserRateLimiter(1, 10, 0);
    expect(limiter.take('big', 50, 0)).toBe(0);
    expect(limiter.take('big', 50, 0)).toBe(10_000);
  });

  it('full buckets of idle users are forgotten', () => {
    const limiter = new UserRateLimiter(10, 10, 0);
    limiter.take('a', 5, 0);
    limiter.take('b', 10, 0);
    limiter.sweep(600);
    expect(limiter.size).toBe(1);
    limiter.take('c', 1, 70_000);
    expect(limiter.size).toBe(1);
  });
});
