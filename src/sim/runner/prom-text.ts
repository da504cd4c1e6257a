/** One sample of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a /metrics text whose name passes `wanted` (comments and other lines skipped). */
export function parsePromText(text: string, wanted: (name: string) => boolean = () => true): PromSample[] {
  const samples: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (line.length === 0 || line[0] === '#') continue;
    const match = SAMPLE.exec(line);
    if (!match || !wanted(match[1]!)) continue;
    const value = Number(match[3]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const label of (match[2] ?? '').matchAll(LABEL)) labels[label[1]!] = label[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value });
  }
  return samples;
}

/** Cumulative bucket counts of one histogram, by upper bound (seconds), plus its sum and count. */
export interface BucketCounts {
  bounds: number[];
  counts: number[];
  sum: number;
  count: number;
}

/**
 * BucketCounts fit for JSON, which has no Infinity: the finite upper bounds (seconds) with their
 * cumulative counts; the +Inf bucket is `count`.
 */
export interface StoredBuckets {
  boundsSec: number[];
  counts: number[];
  count: number;
  sumSec: number;
}

export function storeBuckets(buckets: BucketCounts): StoredBuckets {
  const finite = buckets.bounds.flatMap((bound, i) => (Number.isFinite(bound) ? [i] : []));
  return {
    boundsSec: finite.map((i) => buckets.bounds[i]!),
    counts: finite.map((i) => buckets.counts[i]!),
    count: buckets.count,
    sumSec: buckets.sum,
  };
}

export function loadBuckets(stored: StoredBuckets): BucketCounts {
  return {
    bounds: [...stored.boundsSec, Number.POSITIVE_INFINITY],
    counts: [...stored.counts, stored.count],
    sum: stored.sumSec,
    count: stored.count,
  };
}

/** Adds b's counts to a's (same bounds), or returns b when a is empty. */
export function addBuckets(a: BucketCounts | undefined, b: BucketCounts): BucketCounts {
  if (!a) return { bounds: [...b.bounds], counts: [...b.counts], sum: b.sum, count: b.count };
  return {
    bounds: a.bounds,
    counts: a.counts.map((c, i) => c + (b.counts[i] ?? 0)),
    sum: a.sum + b.sum,
    count: a.count + b.count,
  };
}

/** b minus a: what a histogram recorded between two scrapes. */
export function subtractBuckets(b: BucketCounts, a: BucketCounts | undefined): BucketCounts {
  if (!a) return b;
  return {
    bounds: b.bounds,
    counts: b.counts.map((c, i) => c - (a.counts[i] ?? 0)),
    sum: b.sum - a.sum,
    count: b.count - a.count,
  };
}

/**
 * The q-quantile (0..1) in seconds, interpolated linearly inside its bucket (what Prometheus's
 * histogram_quantile does): exact to the bucket, so the buckets decide the precision.
 */
export function bucketQuantile(buckets: BucketCounts, q: number): number {
  const total = buckets.counts.at(-1) ?? 0;
  if (total <= 0) return 0;
  const rank = q * total;
  let lowerBound = 0;
  let lowerCount = 0;
  for (let i = 0; i < buckets.bounds.length; i++) {
    const bound = buckets.bounds[i]!;
    const count = buckets.counts[i]!;
    if (count >= rank) {
      if (!Number.isFinite(bound)) return lowerBound;
      const inBucket = count - lowerCount;
      return inBucket <= 0 ? bound : lowerBound + ((bound - lowerBound) * (rank - lowerCount)) / inBucket;
    }
    lowerBound = bound;
    lowerCount = count;
  }
  return lowerBound;
}

/** Histograms `name` of a parsed text, by the value of `label` (other labels summed). */
export function histogramsBy(samples: PromSample[], name: string, label: string): Map<string, BucketCounts> {
  const byKey = new Map<string, { buckets: Map<number, number>; sum: number; count: number }>();
  const entry = (key: string) => {
    let found = byKey.get(key);
    if (!found) byKey.set(key, (found = { buckets: new Map(), sum: 0, count: 0 }));
    return found;
  };
  for (const sample of samples) {
    const key = sample.labels[label];
    if (key === undefined) continue;
    if (sample.name === `${name}_bucket`) {
      const bound = sample.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(sample.labels.le);
      const buckets = entry(key).buckets;
      buckets.set(bound, (buckets.get(bound) ?? 0) + sample.value);
    } else if (sample.name === `${name}_sum`) {
      entry(key).sum += sample.value;
    } else if (sample.name === `${name}_count`) {
      entry(key).count += sample.value;
    }
  }
  const result = new Map<string, BucketCounts>();
  for (const [key, { buckets, sum, count }] of byKey) {
    const bounds = [...buckets.keys()].sort((a, b) => a - b);
    result.set(key, { bounds, counts: bounds.map((bound) => buckets.get(bound)!), sum, count });
  }
  return result;
}
