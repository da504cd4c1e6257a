import { describe, expect, it } from 'vitest';
import { RestartBackoff } from '../../../src/core/process/restart-backoff.js';

describe('RestartBackoff', () => {
  it('restarts a process that had been running at once, every time', () => {
    const backoff = new RestartBackoff({ firstMs: 100, maxMs: 5000, stableAfterMs: 10_000 });
    expect([backoff.next(60_000), backoff.next(30_000), backoff.next(10_000)]).toEqual([100, 100, 100]);
  });

  it('doubles the delay while a process keeps dying soon after its start, up to the ceiling', () => {
    const backoff = new RestartBackoff({ firstMs: 100, maxMs: 1000, stableAfterMs: 10_000 });
    const delays = [20_000, 500, 500, 500, 500, 500, 500].map((ran) => backoff.next(ran));
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000]);
  });

  it('starts over once a restarted process has run long enough', () => {
    const backoff = new RestartBackoff({ firstMs: 100, maxMs: 5000, stableAfterMs: 10_000 });
    backoff.next(200);
    backoff.next(200);
    expect(backoff.next(200)).toBe(400);
    expect(backoff.next(12_000)).toBe(100);
  });
});
