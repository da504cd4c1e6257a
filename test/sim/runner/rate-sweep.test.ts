import { describe, expect, it } from 'vitest';
import { formatSweep, parseRates, summarizeSweep, type SweepStep } from '../../../src/sim/runner/rate-sweep.js';

const step = (rate: number, pass: boolean, p99 = 10): SweepStep => ({
  rate,
  sentPerSec: rate,
  deliveredPerSec: rate * 3,
  deliverP50Ms: 2,
  deliverP99Ms: p99,
  completeness: 1,
  violations: 0,
  pass,
  report: undefined,
});

describe('sim - rate sweep', () => {
  it('parses a list of rates and refuses anything else', () => {
    expect(parseRates('1000, 2000,4000')).toEqual([1000, 2000, 4000]);
    expect(() => parseRates('1000,fast')).toThrow(/positive integer/);
    expect(() => parseRates('0')).toThrow(/positive integer/);
    expect(() => parseRates('1000,')).toThrow(/positive integer/);
  });

  it('the highest passing rate is the last one before the first failure, not a lucky pass above it', () => {
    const summary = summarizeSweep('rate-sweep', [
      step(1000, true),
      step(2000, true),
      step(4000, false, 80),
      step(6000, true),
    ]);
    expect(summary.highestPassingRate).toBe(2000);
    expect(formatSweep(summary)).toContain('highest rate meeting every SLO: 2000 msgs/s');
  });

  it('no passing rate when the lowest fails', () => {
    const summary = summarizeSweep('rate-sweep', [step(2000, false), step(1000, false)]);
    expect(summary.highestPassingRate).toBeNull();
    expect(formatSweep(summary)).toContain('no rate met the SLOs');
  });
});
