import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../src/cli/progress-line.js';
import {
  connectingStatus,
  runningStatus,
  runPhase,
  type RunningFigures,
} from '../../../src/sim/runner/run-progress.js';

const phases = { rampUpMs: 10_000, steadyMs: 60_000, drainMs: 5_000 };

const running = (sinceStartMs: number, errors = 0): RunningFigures => ({
  sinceStartMs,
  live: 5000,
  devices: 5000,
  sentPerSecond: 1000,
  deliveredPerSecond: 9800,
  sent: 42_000,
  acked: 41_990,
  delivered: 410_000,
  now: { p50: 3.14, p99: 12.4 },
  soFar: { p50: 3, p99: 11.9 },
  errors,
});

describe('sim - status line', () => {
  it('names the phase from the run clock: ramp, steady, draining, then checking', () => {
    expect(runPhase(-400, phases)).toBe('ramp');
    expect(runPhase(9_999, phases)).toBe('ramp');
    expect(runPhase(10_000, phases)).toBe('steady');
    expect(runPhase(70_000, phases)).toBe('draining');
    expect(runPhase(75_000, phases)).toBe('checking');
  });

  it('counts the ETA down to the end of the drain, and gives none while checking', () => {
    expect(runningStatus(running(42_000), phases)).toMatchObject({ phase: 'steady', elapsedMs: 42_000, etaMs: 33_000 });
    expect(runningStatus(running(-400), phases)).toMatchObject({ phase: 'ramp', elapsedMs: 0, etaMs: 75_400 });
    expect(runningStatus(running(80_000), phases).etaMs).toBeUndefined();
  });

  it('puts latency and rates now first, totals last, and a zero error count at the very end', () => {
    const status = runningStatus(running(42_000), phases);
    expect(status.figures).toEqual([
      'p50/p99 3.1/12.4 ms',
      'sent 1000/s',
      'delivered 9800/s',
      '5000/5000 live',
      'so far 3.0/11.9 ms',
      'acked 41990 of 42000',
      'delivered 410000',
      'errors 0',
    ]);
    expect(formatStatus(status, 79)).toBe('steady 42s, ETA 33s | p50/p99 3.1/12.4 ms | sent 1000/s | delivered 9800/s');
  });

  it('moves client errors right after the latency as soon as there is one', () => {
    const status = runningStatus(running(42_000, 3), phases);
    expect(status.figures.slice(0, 2)).toEqual(['p50/p99 3.1/12.4 ms', 'errors 3']);
    expect(formatStatus(status, 79)).toContain('errors 3');
  });

  it('shows a dash for latency over a second that delivered nothing', () => {
    expect(runningStatus({ ...running(500), now: undefined, soFar: undefined }, phases).figures).toContain('p50/p99 -');
  });

  it('while connecting, estimates the ETA from the connect rate, and gives none before any device is live', () => {
    const figures = {
      elapsedMs: 12_000,
      live: 4000,
      devices: 10_000,
      perSecond: 500,
      connect: { p50: 40, p99: 180 },
      inFlight: 64,
      errors: 0,
    };
    const status = connectingStatus(figures, phases);
    // 6000 devices at 500/s, the second before time zero, then 75 s of phases.
    expect(status).toMatchObject({ phase: 'connecting', elapsedMs: 12_000, etaMs: 12_000 + 1000 + 75_000 });
    expect(status.figures).toEqual([
      '4000/10000 live',
      '500/s',
      'connect p50/p99 40/180 ms',
      'in flight 64',
      'errors 0',
    ]);
    expect(connectingStatus({ ...figures, live: 0, perSecond: 0 }, phases).etaMs).toBeUndefined();
  });
});
