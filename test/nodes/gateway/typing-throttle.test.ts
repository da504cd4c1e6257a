import { describe, expect, it } from 'vitest';
import { TypingThrottle } from '../../../src/nodes/gateway/typing-throttle.js';

describe('gateway - typing throttle', () => {
  it('one start per interval is forwarded, renewals in between are dropped', () => {
    const throttle = new TypingThrottle(2000);
    expect(throttle.admit('u/r', 'start', 0)).toBe(true);
    expect(throttle.admit('u/r', 'start', 500)).toBe(false);
    expect(throttle.admit('u/r', 'start', 1999)).toBe(false);
    expect(throttle.admit('u/r', 'start', 2000)).toBe(true);
  });

  it('a stop is forwarded only after a forwarded start, once', () => {
    const throttle = new TypingThrottle(2000);
    expect(throttle.admit('u/r', 'stop', 0)).toBe(false);
    throttle.admit('u/r', 'start', 10);
    expect(throttle.admit('u/r', 'stop', 20)).toBe(true);
    expect(throttle.admit('u/r', 'stop', 30)).toBe(false);
    expect(throttle.admit('u/r', 'start', 40)).toBe(true);
  });

  it('users and rooms are throttled separately, and old entries are swept', () => {
    const throttle = new TypingThrottle(2000);
    expect(throttle.admit('a/r', 'start', 0)).toBe(true);
    expect(throttle.admit('b/r', 'start', 0)).toBe(true);
    expect(throttle.admit('a/s', 'start', 0)).toBe(true);
    throttle.sweep(5000, 3000);
    expect(throttle.size).toBe(0);
  });
});
