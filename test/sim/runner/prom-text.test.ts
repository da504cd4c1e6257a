import { describe, expect, it } from 'vitest';
import {
  addBuckets,
  bucketQuantile,
  histogramsBy,
  parsePromText,
  subtractBuckets,
  type BucketCounts,
} from '../../../src/sim/runner/prom-text.js';

/** Two gateway processes' hop histograms on one /metrics, as prom-client writes them. */
const HOPS_TEXT = [
  '# HELP chat_gateway_hop_seconds Time a message spends on each hop',
  '# TYPE chat_gateway_hop_seconds histogram',
  'chat_gateway_hop_seconds_bucket{le="0.001",hop="write",role="gateway",node="gw-1"} 4',
  'chat_gateway_hop_seconds_bucket{le="0.005",hop="write",role="gateway",node="gw-1"} 9',
  'chat_gateway_hop_seconds_bucket{le="+Inf",hop="write",role="gateway",node="gw-1"} 10',
  'chat_gateway_hop_seconds_sum{hop="write",role="gateway",node="gw-1"} 0.02',
  'chat_gateway_hop_seconds_count{hop="write",role="gateway",node="gw-1"} 10',
  'chat_gateway_hop_seconds_bucket{le="0.005",hop="write",role="gateway",node="gw-2"} 3',
  'chat_gateway_hop_seconds_bucket{le="0.001",hop="write",role="gateway",node="gw-2"} 1',
  'chat_gateway_hop_seconds_bucket{le="+Inf",hop="write",role="gateway",node="gw-2"} 5',
  'chat_gateway_hop_seconds_sum{hop="write",role="gateway",node="gw-2"} 0.5',
  'chat_gateway_hop_seconds_count{hop="write",role="gateway",node="gw-2"} 5',
  'chat_gateway_hop_seconds_bucket{le="0.001",hop="publish",role="gateway",node="gw-1"} 2',
  'chat_gateway_hop_seconds_bucket{le="0.005",hop="publish",role="gateway",node="gw-1"} 2',
  'chat_gateway_hop_seconds_bucket{le="+Inf",hop="publish",role="gateway",node="gw-1"} 2',
  'chat_gateway_hop_seconds_sum{hop="publish",role="gateway",node="gw-1"} 0.001',
  'chat_gateway_hop_seconds_count{hop="publish",role="gateway",node="gw-1"} 2',
  'chat_gateway_connections{role="gateway",node="gw-1"} 7',
].join('\n');

/** Cumulative counts 10, 30, 40 (+Inf 50) under 1, 2 and 5 ms. */
const BUCKETS: BucketCounts = {
  bounds: [0.001, 0.002, 0.005, Number.POSITIVE_INFINITY],
  counts: [10, 30, 40, 50],
  sum: 0.5,
  count: 50,
};

describe('Prometheus text', () => {
  it('reads each sample with its name, labels and value, skipping comments and blank lines', () => {
    const samples = parsePromText(
      [
        '# HELP x a counter',
        '# TYPE x counter',
        '',
        'process_cpu_seconds_total{role="fanout",node="f-1"} 12.5',
        'up 1',
      ].join('\n'),
    );
    expect(samples).toEqual([
      { name: 'process_cpu_seconds_total', labels: { role: 'fanout', node: 'f-1' }, value: 12.5 },
      { name: 'up', labels: {}, value: 1 },
    ]);
  });

  it('unescapes label values and ignores a trailing timestamp', () => {
    const [sample] = parsePromText('requests_total{path="/a\\"b\\\\c",code="200"} 3 1700000000000');
    expect(sample).toEqual({ name: 'requests_total', labels: { path: '/a"b\\c', code: '200' }, value: 3 });
  });

  it('keeps only the names asked for and drops values that are not numbers', () => {
    const text = 'a_total 1\nb_total 2\na_total{x="1"} NaN\na_total{x="2"} 2.5e-3';
    expect(parsePromText(text, (name) => name === 'a_total').map((s) => s.value)).toEqual([1, 0.0025]);
  });

  it('groups a histogram by one label, summing the series that differ in the others', () => {
    const byHop = histogramsBy(parsePromText(HOPS_TEXT), 'chat_gateway_hop_seconds', 'hop');
    expect([...byHop.keys()].sort()).toEqual(['publish', 'write']);
    const write = byHop.get('write')!;
    // gw-2 listed its buckets out of order: the bounds still come out ascending.
    expect(write.bounds).toEqual([0.001, 0.005, Number.POSITIVE_INFINITY]);
    expect(write.counts).toEqual([5, 12, 15]);
    expect(write.count).toBe(15);
    expect(write.sum).toBeCloseTo(0.52, 10);
  });

  it('leaves out series without the label and other metrics', () => {
    const byNode = histogramsBy(parsePromText(HOPS_TEXT), 'chat_gateway_hop_seconds', 'node');
    expect([...byNode.keys()].sort()).toEqual(['gw-1', 'gw-2']);
    expect(histogramsBy(parsePromText(HOPS_TEXT), 'chat_gateway_hop_seconds', 'worker').size).toBe(0);
    expect(histogramsBy(parsePromText(HOPS_TEXT), 'chat_fanout_hop_seconds', 'hop').size).toBe(0);
  });

  it('interpolates a quantile linearly inside its bucket', () => {
    // Rank 25 of 50 falls in (1 ms, 2 ms], which holds ranks 11..30: 15/20 of the way.
    expect(bucketQuantile(BUCKETS, 0.5)).toBeCloseTo(0.00175, 12);
    // Rank 10 is the top of the first bucket, which starts at 0.
    expect(bucketQuantile(BUCKETS, 0.2)).toBeCloseTo(0.001, 12);
    expect(bucketQuantile(BUCKETS, 0.7)).toBeCloseTo(0.0035, 12);
  });

  it('answers the highest finite bound for a quantile in the +Inf bucket', () => {
    expect(bucketQuantile(BUCKETS, 0.99)).toBe(0.005);
  });

  it('answers 0 for a histogram that recorded nothing', () => {
    expect(bucketQuantile({ bounds: [0.001, Number.POSITIVE_INFINITY], counts: [0, 0], sum: 0, count: 0 }, 0.99)).toBe(
      0,
    );
    expect(bucketQuantile({ bounds: [], counts: [], sum: 0, count: 0 }, 0.5)).toBe(0);
  });

  it('adds two histograms bucket by bucket, and copies the first one added to nothing', () => {
    const first = addBuckets(undefined, BUCKETS);
    expect(first).toEqual(BUCKETS);
    expect(first.counts).not.toBe(BUCKETS.counts);
    const both = addBuckets(first, BUCKETS);
    expect(both).toEqual({ bounds: BUCKETS.bounds, counts: [20, 60, 80, 100], sum: 1, count: 100 });
    // The histogram added in stays as it was.
    expect(BUCKETS.counts).toEqual([10, 30, 40, 50]);
  });

  it('subtracts an earlier scrape to give what was recorded in between', () => {
    const earlier: BucketCounts = { bounds: BUCKETS.bounds, counts: [4, 10, 10, 12], sum: 0.1, count: 12 };
    const between = subtractBuckets(BUCKETS, earlier);
    expect(between.counts).toEqual([6, 20, 30, 38]);
    expect(between.count).toBe(38);
    expect(between.sum).toBeCloseTo(0.4, 12);
    expect(subtractBuckets(BUCKETS, undefined)).toEqual(BUCKETS);
  });
});
