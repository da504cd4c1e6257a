import { describe, expect, it } from 'vitest';
import { LatencyDistribution, LatencyTimeline } from '../../../src/sim/hdr/index.js';

const START = 1_700_000_000_000;

describe('hdr - latency timeline', () => {
  it('latencies are filed under the bucket of their time', () => {
    const timeline = new LatencyTimeline({ originMs: START, bucketMs: 1000 });
    timeline.record(10, START);
    timeline.record(20, START + 999);
    timeline.record(300, START + 1000);
    timeline.record(40, START + 3500);
    expect(timeline.count).toBe(4);
    expect(timeline.bucketAt(START + 500)!.count).toBe(2);
    expect(timeline.bucketAt(START + 1999)!.count).toBe(1);
    expect(timeline.bucketAt(START + 2000)).toBeUndefined();
    const points = timeline.points();
    // Bucket 2 had nothing: it is there with zeros, so a chart shows the stall.
    expect(points.map((p) => [p.fromMs, p.toMs, p.count])).toEqual([
      [0, 1000, 2],
      [1000, 2000, 1],
      [2000, 3000, 0],
      [3000, 4000, 1],
    ]);
    // Timeline buckets keep 2 significant digits: within 1%.
    expect(Math.abs(points[1]!.p50 - 300)).toBeLessThanOrEqual(3);
    expect(points[2]).toEqual({ fromMs: 2000, toMs: 3000, count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 });
  });

  it('a wild timestamp does not fill millions of empty buckets', () => {
    const timeline = new LatencyTimeline({ originMs: START });
    timeline.record(5, START + 1000);
    timeline.record(7, 0);
    expect(timeline.points().map((p) => p.fromMs)).toEqual([-START, 1000]);
  });

  it('times before the origin land in negative buckets', () => {
    const timeline = new LatencyTimeline({ originMs: START, bucketMs: 1000 });
    timeline.record(5, START - 1);
    expect(timeline.points()).toMatchObject([{ fromMs: -1000, toMs: 0, count: 1 }]);
  });

  it('by default buckets start at the epoch, and points can be read from any zero', () => {
    const timeline = new LatencyTimeline({ bucketMs: 1000 });
    expect(timeline.originMs).toBe(0);
    timeline.record(5, START + 1500);
    expect(timeline.points(START)).toMatchObject([{ fromMs: 1000, toMs: 2000, count: 1 }]);
    expect(timeline.points()[0]!.fromMs).toBe(START + 1000);
  });

  it('timelines of several processes merge bucket by bucket, as if recorded in one', () => {
    const whole = new LatencyTimeline({ originMs: START, bucketMs: 5000 });
    const workers = [0, 1, 2].map(() => new LatencyTimeline({ originMs: START, bucketMs: 5000 }));
    for (let i = 0; i < 12_000; i++) {
      const at = START + ((i * 7) % 60_000);
      const latency = 1 + ((i * 13) % 997) + (i % 100 === 0 ? 4000 : 0);
      whole.record(latency, at);
      workers[i % 3]!.record(latency, at);
    }
    const merged = LatencyTimeline.merge(workers.map((worker) => worker.encode()));
    expect(merged.count).toBe(12_000);
    expect(merged.points()).toEqual(whole.points());
    expect(merged.points()).toHaveLength(12);
    expect(merged.total().percentiles()).toEqual(whole.total().percentiles());
  });

  it('encode and decode round-trip a timeline', () => {
    const timeline = new LatencyTimeline({ originMs: START, bucketMs: 250, significantDigits: 3, packed: false });
    for (let i = 0; i < 1000; i++) timeline.record(i % 50, START + i * 3);
    const decoded = LatencyTimeline.decode(timeline.encode());
    expect(decoded.originMs).toBe(START);
    expect(decoded.bucketMs).toBe(250);
    expect(decoded.points()).toEqual(timeline.points());
  });

  it('origins a whole number of buckets apart line up; others are refused', () => {
    const a = new LatencyTimeline({ originMs: START, bucketMs: 1000 });
    const b = new LatencyTimeline({ originMs: START + 3000, bucketMs: 1000 });
    a.record(10, START + 500);
    b.record(20, START + 3500);
    const merged = LatencyTimeline.merge([a, b]);
    expect(merged.points().map((p) => [p.fromMs, p.count])).toEqual([
      [0, 1],
      [1000, 0],
      [2000, 0],
      [3000, 1],
    ]);
    expect(() => a.add(new LatencyTimeline({ originMs: START + 500, bucketMs: 1000 }))).toThrow(
      /whole number of buckets/,
    );
    expect(() => a.add(new LatencyTimeline({ originMs: START, bucketMs: 2000 }))).toThrow(/buckets/);
  });

  it('merging nothing needs the layout to be given', () => {
    expect(() => LatencyTimeline.merge([])).toThrow();
    expect(LatencyTimeline.merge([], { originMs: START }).points()).toEqual([]);
  });

  it('total() is everything recorded, at full 3-digit precision', () => {
    const timeline = new LatencyTimeline({ originMs: START });
    const all = new LatencyDistribution();
    for (let i = 0; i < 5000; i++) {
      timeline.record(i % 700, START + i * 11);
      all.recordMs(i % 700);
    }
    expect(timeline.total().percentiles()).toEqual(all.percentiles());
    expect(LatencyTimeline.decode(timeline.encode()).total().percentiles()).toEqual(all.percentiles());
  });
});
