import { describe, expect, it } from 'vitest';
import { LatencyDistribution, MAX_LATENCY_MS } from '../../../src/sim/hdr/index.js';

/** A deterministic spread of latencies (ms) with a long tail: 0.2 ms .. ~40 s. */
function latencies(n: number, seed = 1): number[] {
  let state = seed;
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
  return Array.from({ length: n }, () => 0.2 + 5 * Math.exp(next() * 9) * next());
}

function exactPercentile(sorted: readonly number[], percentile: number): number {
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)]!;
}

describe('hdr - latency distribution', () => {
  it('an empty distribution reads as zeros', () => {
    expect(new LatencyDistribution().percentiles()).toEqual({ count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('percentiles are within the 3-digit HDR precision of the exact ones', () => {
    const values = latencies(50_000);
    const distribution = new LatencyDistribution();
    for (const value of values) distribution.recordMs(value);
    const sorted = [...values].sort((a, b) => a - b);
    const summary = distribution.percentiles();
    expect(summary.count).toBe(50_000);
    for (const [percentile, got] of [
      [50, summary.p50],
      [90, summary.p90],
      [99, summary.p99],
      [99.9, summary.p999],
      [100, summary.max],
    ] as const) {
      const exact = exactPercentile(sorted, percentile);
      // 0.1% relative, plus the 1 µs recording unit.
      expect(Math.abs(got - exact)).toBeLessThanOrEqual(exact * 0.001 + 0.001);
    }
  });

  it('a uniform spread has its percentiles where they belong', () => {
    const distribution = new LatencyDistribution();
    for (let ms = 1; ms <= 10_000; ms++) distribution.recordMs(ms);
    const { p50, p90, p99, p999, max } = distribution.percentiles();
    expect(p50).toBeCloseTo(5000, -1);
    expect(p90).toBeCloseTo(9000, -1);
    expect(p99).toBeCloseTo(9900, -1);
    expect(p999).toBeCloseTo(9990, -1);
    expect(Math.abs(max - 10_000)).toBeLessThanOrEqual(10);
  });

  it('encode and decode round-trip every count', () => {
    const distribution = new LatencyDistribution();
    for (const value of latencies(10_000, 7)) distribution.recordMs(value);
    const text = distribution.encode();
    expect(typeof text).toBe('string');
    expect(text.length).toBeLessThan(20_000);
    const decoded = LatencyDistribution.decode(text);
    expect(decoded.percentiles()).toEqual(distribution.percentiles());
    for (let percentile = 0; percentile <= 100; percentile += 2.5)
      expect(decoded.percentileMs(percentile)).toBe(distribution.percentileMs(percentile));
    expect(decoded.meanMs).toBeCloseTo(distribution.meanMs, 6);
  });

  it('an empty distribution round-trips too', () => {
    expect(LatencyDistribution.decode(new LatencyDistribution().encode()).count).toBe(0);
  });

  it('merging the parts equals recording everything into one', () => {
    const parts = [latencies(3000, 1), latencies(5000, 2), latencies(100, 3), []];
    const whole = new LatencyDistribution();
    for (const part of parts) for (const value of part) whole.recordMs(value);
    const recorded = parts.map((part) => {
      const distribution = new LatencyDistribution();
      for (const value of part) distribution.recordMs(value);
      return distribution;
    });
    // As the coordinator gets them: encoded, from other processes; mixed with live ones.
    const merged = LatencyDistribution.merge([
      recorded[0]!.encode(),
      recorded[1]!,
      recorded[2]!.encode(),
      recorded[3]!.encode(),
    ]);
    expect(merged.count).toBe(8100);
    expect(merged.percentiles()).toEqual(whole.percentiles());
    for (let percentile = 0; percentile <= 100; percentile += 0.5)
      expect(merged.percentileMs(percentile)).toBe(whole.percentileMs(percentile));
  });

  it('packed distributions merge with plain ones', () => {
    const packed = new LatencyDistribution({ packed: true });
    const plain = new LatencyDistribution();
    for (const value of latencies(2000, 4)) {
      packed.recordMs(value);
      plain.recordMs(value);
    }
    expect(LatencyDistribution.merge([packed.encode()]).percentiles()).toEqual(plain.percentiles());
    expect(LatencyDistribution.merge([packed], { packed: true }).percentiles()).toEqual(plain.percentiles());
  });

  it('latencies above an hour are recorded as an hour, below 1 µs as 1 µs', () => {
    const distribution = new LatencyDistribution();
    distribution.recordMs(5 * MAX_LATENCY_MS);
    distribution.recordMs(-3);
    distribution.recordMs(Number.NaN);
    expect(distribution.count).toBe(3);
    expect(Math.abs(distribution.maxMs - MAX_LATENCY_MS) / MAX_LATENCY_MS).toBeLessThan(0.001);
    expect(distribution.percentileMs(50)).toBe(0.001);
  });

  it('recordManyMs counts a value many times', () => {
    const distribution = new LatencyDistribution();
    distribution.recordManyMs(12, 99);
    distribution.recordManyMs(800, 1);
    distribution.recordManyMs(5, 0);
    expect(distribution.count).toBe(100);
    expect(distribution.percentileMs(99)).toBeCloseTo(12, 1);
    expect(distribution.maxMs).toBeCloseTo(800, 0);
  });
});
