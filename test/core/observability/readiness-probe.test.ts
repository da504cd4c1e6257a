import { describe, expect, it } from 'vitest';
import { ReadinessProbe } from '../../../src/core/observability/readiness-probe.js';

function deferred(): { promise: Promise<string[]>; resolve: (problems: string[]) => void } {
  let resolve!: (problems: string[]) => void;
  const promise = new Promise<string[]>((r) => (resolve = r));
  return { promise, resolve };
}

describe('readiness probe', () => {
  it('runs one check for every probe that arrives while it runs, and a new one after', async () => {
    let runs = 0;
    let pending = deferred();
    const probe = new ReadinessProbe(() => {
      runs++;
      return pending.promise;
    });
    const answers = Promise.all(Array.from({ length: 50 }, () => probe.problems()));
    pending.resolve(['postgres']);
    expect(await answers).toEqual(Array.from({ length: 50 }, () => ['postgres']));
    expect(runs).toBe(1);
    pending = deferred();
    const next = probe.problems();
    pending.resolve([]);
    expect(await next).toEqual([]);
    expect(runs).toBe(2);
  });

  it('answers not ready when the running check takes longer than the wait, without starting another', async () => {
    let runs = 0;
    const pending = deferred();
    const probe = new ReadinessProbe(
      () => {
        runs++;
        return pending.promise;
      },
      { waitMs: 20 },
    );
    expect(await probe.problems()).toEqual(['readiness check still running after 20 ms']);
    expect(await probe.problems()).toEqual(['readiness check still running after 20 ms']);
    expect(runs).toBe(1);
    pending.resolve([]);
  });

  it('reuses an answer within cacheMs, and reports a failed check as its error', async () => {
    let now = 1000;
    let runs = 0;
    const probe = new ReadinessProbe(
      async () => {
        runs++;
        throw new Error('boom');
      },
      { cacheMs: 1000, now: () => now },
    );
    expect(await probe.problems()).toEqual(['boom']);
    now += 999;
    expect(await probe.problems()).toEqual(['boom']);
    expect(runs).toBe(1);
    now += 1;
    await probe.problems();
    expect(runs).toBe(2);
  });
});
