import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/sim/scenario/duration.js';

describe('scenario durations', () => {
  it('numbers are milliseconds; strings take ms, s, m, h and sums', () => {
    expect(parseDuration(250)).toBe(250);
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('10s')).toBe(10_000);
    expect(parseDuration('1.5s')).toBe(1500);
    expect(parseDuration('2m')).toBe(120_000);
    expect(parseDuration('1h')).toBe(3_600_000);
    expect(parseDuration('1m30s')).toBe(90_000);
  });

  it('anything else is not a duration', () => {
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('10q')).toBeUndefined();
    expect(parseDuration('-1s')).toBeUndefined();
    expect(parseDuration(-5)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
  });

  it('format back to a short form', () => {
    expect(formatDuration(950)).toBe('950ms');
    expect(formatDuration(12_000)).toBe('12s');
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(150_000)).toBe('2m30s');
  });
});
