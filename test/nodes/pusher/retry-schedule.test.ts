import { describe, expect, it } from 'vitest';
import { ProviderBackoff, retryDelayMs } from '../../../src/nodes/pusher/retry-schedule.js';

describe('pusher - retry schedule', () => {
  it('delays grow exponentially with jitter, capped at 2 s', () => {
    expect(retryDelayMs(1, undefined, () => 0)).toBe(125);
    expect(retryDelayMs(1, undefined, () => 1)).toBe(250);
    expect(retryDelayMs(3, undefined, () => 1)).toBe(1000);
    expect(retryDelayMs(4, undefined, () => 0)).toBe(1000);
    expect(retryDelayMs(4, undefined, () => 1)).toBe(2000);
    expect(retryDelayMs(50, undefined, () => 1)).toBe(2000);
  });

  it('Retry-After is honoured', () => {
    expect(retryDelayMs(1, 30_000, () => 0)).toBe(30_000);
  });
});

describe('pusher - provider backoff', () => {
  const max = 32;

  it('an answering provider gets every slot', () => {
    const backoff = new ProviderBackoff(() => 1);
    expect(backoff.allowance(0, max)).toBe(max);
    expect(backoff.restingUntilAt(0)).toBeUndefined();
  });

  it('after a failure it rests, then is probed one send at a time until one is answered', () => {
    const backoff = new ProviderBackoff(() => 1);
    expect(backoff.failed(1000)).toEqual({ pauseMs: 250, escalated: true });
    expect(backoff.allowance(1000, max)).toBe(0);
    expect(backoff.allowance(1249, max)).toBe(0);
    expect(backoff.restingUntilAt(1100)).toBe(1250);
    expect(backoff.allowance(1250, max)).toBe(1);
    backoff.answered();
    expect(backoff.allowance(1250, max)).toBe(max);
    expect(backoff.failureCount).toBe(0);
  });

  it('sends failing together are one failure; a failed probe rests longer, up to the ceiling', () => {
    const backoff = new ProviderBackoff(() => 1);
    backoff.failed(0);
    expect(backoff.failed(10)).toEqual({ pauseMs: 240, escalated: false });
    expect(backoff.failureCount).toBe(1);
    expect(backoff.failed(250)).toEqual({ pauseMs: 500, escalated: true });
    expect(backoff.failed(750)).toEqual({ pauseMs: 1000, escalated: true });
    expect(backoff.failed(1750)).toEqual({ pauseMs: 2000, escalated: true });
    expect(backoff.failed(3750)).toEqual({ pauseMs: 2000, escalated: true });
    expect(backoff.failureCount).toBe(5);
  });

  it('a Retry-After during a pause extends it', () => {
    const backoff = new ProviderBackoff(() => 1);
    backoff.failed(0);
    expect(backoff.failed(100, 5000)).toEqual({ pauseMs: 5000, escalated: false });
    expect(backoff.restingUntilAt(100)).toBe(5100);
    expect(backoff.failed(200, 0)).toEqual({ pauseMs: 4900, escalated: false });
  });
});
