import { LatencyDistribution, type LatencyPercentiles, type SignificantDigits } from './latency-distribution.js';

/**
 * Latency over time, for the report's chart: one HDR histogram per fixed-width time bucket.
 * Buckets are numbered from an origin that every process shares (by default the epoch, so
 * bucket boundaries are whole multiples of the width and line up without any coordination),
 * and the timelines of all load processes merge bucket by bucket, exactly.
 *
 * Which time a latency is filed under is the caller's choice: the receipt time shows what
 * users saw at each moment; the scheduled send time (the schedule is open loop) shows what
 * the server did with the load offered in each second. Use one of them consistently.
 */

/**
 * Beside the buckets, the timeline keeps one distribution of everything at 3 significant
 * digits, so that the run's overall percentiles do not inherit the buckets' coarser precision.
 */
export interface LatencyTimelineOptions {
  /** Start of bucket 0 (ms, epoch); the same in every process of a run (default 0, the epoch). */
  originMs?: number;
  /** Bucket width in ms (default 1000). */
  bucketMs?: number;
  /** Precision of each bucket's histogram (default 2: within 1%, plenty for a chart). */
  significantDigits?: SignificantDigits;
  /** Sparse (packed) bucket histograms, so that an hour of 1 s buckets stays small (default true). */
  packed?: boolean;
}

/** One bucket of the timeline; times are ms from the `zeroMs` given to points(). */
export interface TimelinePoint extends LatencyPercentiles {
  fromMs: number;
  toMs: number;
}

interface EncodedTimeline {
  v: 1;
  originMs: number;
  bucketMs: number;
  significantDigits: SignificantDigits;
  packed: boolean;
  /** [bucket index, encoded histogram], non-empty buckets only. */
  buckets: Array<[number, string]>;
  /** Everything, at 3 significant digits. */
  total: string;
}

export const DEFAULT_TIMELINE_BUCKET_MS = 1000;

/** Beyond this many buckets from first to last, points() lists only the buckets with data. */
const MAX_FILLED_POINTS = 100_000;

export class LatencyTimeline {
  readonly originMs: number;
  readonly bucketMs: number;
  private readonly significantDigits: SignificantDigits;
  private readonly packed: boolean;
  private readonly buckets = new Map<number, LatencyDistribution>();
  private readonly all = new LatencyDistribution();
  /** The bucket recorded into last: consecutive records mostly fall in the same one. */
  private lastIndex = Number.NaN;
  private lastBucket: LatencyDistribution | undefined;

  constructor(options: LatencyTimelineOptions = {}) {
    const bucketMs = options.bucketMs ?? DEFAULT_TIMELINE_BUCKET_MS;
    const originMs = options.originMs ?? 0;
    if (!(bucketMs > 0) || !Number.isInteger(bucketMs))
      throw new RangeError(`bucketMs must be a positive integer, got ${bucketMs}`);
    if (!Number.isFinite(originMs)) throw new RangeError(`originMs must be finite, got ${originMs}`);
    this.originMs = originMs;
    this.bucketMs = bucketMs;
    this.significantDigits = options.significantDigits ?? 2;
    this.packed = options.packed ?? true;
  }

  /**
   * Rebuilds a timeline from `encode()`'s text. Its buckets are plain (not packed) unless
   * asked: the coordinator holds one merged timeline, and plain buckets merge many times faster.
   */
  static decode(text: string, options: { packed?: boolean } = {}): LatencyTimeline {
    const encoded = JSON.parse(text) as EncodedTimeline;
    if (encoded.v !== 1) throw new Error(`unknown latency timeline encoding version ${String(encoded.v)}`);
    const packed = options.packed ?? false;
    const timeline = new LatencyTimeline({
      originMs: encoded.originMs,
      bucketMs: encoded.bucketMs,
      significantDigits: encoded.significantDigits,
      packed,
    });
    const bucketOptions = { significantDigits: encoded.significantDigits, packed };
    for (const [index, histogram] of encoded.buckets)
      timeline.buckets.set(index, LatencyDistribution.decode(histogram, bucketOptions));
    timeline.all.add(LatencyDistribution.decode(encoded.total));
    return timeline;
  }

  /**
   * One timeline holding everything of `parts` (encoded texts or timelines). Its layout is
   * `options`, or else the first part's (with plain buckets).
   */
  static merge(parts: Iterable<LatencyTimeline | string>, options?: LatencyTimelineOptions): LatencyTimeline {
    let merged = options ? new LatencyTimeline(options) : undefined;
    for (const part of parts) {
      if (!merged && typeof part === 'string') {
        // The first decoded part is a fresh object: it becomes the result, no copy.
        merged = LatencyTimeline.decode(part);
        continue;
      }
      const timeline = typeof part === 'string' ? LatencyTimeline.decode(part) : part;
      merged ??= new LatencyTimeline({
        originMs: timeline.originMs,
        bucketMs: timeline.bucketMs,
        significantDigits: timeline.significantDigits,
        packed: false,
      });
      merged.add(timeline);
    }
    if (!merged) throw new Error('LatencyTimeline.merge: no parts and no options');
    return merged;
  }

  /** Records a latency (ms) under the bucket of `atMs` (ms, epoch; before the origin is fine). */
  record(latencyMs: number, atMs: number): void {
    const index = Math.floor((atMs - this.originMs) / this.bucketMs);
    let bucket = index === this.lastIndex ? this.lastBucket : this.buckets.get(index);
    if (!bucket) {
      bucket = this.newBucket();
      this.buckets.set(index, bucket);
    }
    this.lastIndex = index;
    this.lastBucket = bucket;
    bucket.recordMs(latencyMs);
    this.all.recordMs(latencyMs);
  }

  /**
   * Adds everything of `other`. Its buckets must line up with these: same width, origins a
   * whole number of buckets apart (then they are re-numbered), or it throws.
   */
  add(other: LatencyTimeline): void {
    if (other.bucketMs !== this.bucketMs)
      throw new Error(`cannot merge timelines with ${other.bucketMs} ms and ${this.bucketMs} ms buckets`);
    const shift = (other.originMs - this.originMs) / this.bucketMs;
    if (!Number.isInteger(shift))
      throw new Error(
        `cannot merge timelines whose origins (${other.originMs}, ${this.originMs}) are not a whole number of buckets apart`,
      );
    for (const [index, histogram] of other.buckets) {
      let bucket = this.buckets.get(index + shift);
      if (!bucket) {
        bucket = this.newBucket();
        this.buckets.set(index + shift, bucket);
      }
      bucket.add(histogram);
    }
    this.all.add(other.all);
  }

  /** Latencies recorded. */
  get count(): number {
    return this.all.count;
  }

  /** The histogram of the bucket holding `atMs` (ms, epoch), if anything was recorded there. */
  bucketAt(atMs: number): LatencyDistribution | undefined {
    return this.buckets.get(Math.floor((atMs - this.originMs) / this.bucketMs));
  }

  /**
   * Every bucket from the first to the last one with data, in time order; buckets without
   * data in between are included with zeros, so a chart shows a stall as a stall (unless the
   * span is over 100 000 buckets: then only buckets with data). Times are
   * ms from `zeroMs` (ms, epoch; default the origin), e.g. the run's start. Meant for a
   * decoded or merged timeline: percentiles of packed buckets cost ~2 ms each, of plain ones ~30 µs.
   */
  points(zeroMs = this.originMs): TimelinePoint[] {
    if (this.buckets.size === 0) return [];
    let first = Infinity;
    let last = -Infinity;
    for (const index of this.buckets.keys()) {
      if (index < first) first = index;
      if (index > last) last = index;
    }
    // A wild timestamp (a clock jump, a zero) must not turn into millions of empty points.
    const indexes =
      last - first < MAX_FILLED_POINTS
        ? Array.from({ length: last - first + 1 }, (_, i) => first + i)
        : [...this.buckets.keys()].sort((a, b) => a - b);
    return indexes.map((index) => {
      const bucket = this.buckets.get(index);
      const percentiles = bucket ? bucket.percentiles() : { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
      const fromMs = this.originMs + index * this.bucketMs - zeroMs;
      return { fromMs, toMs: fromMs + this.bucketMs, ...percentiles };
    });
  }

  /** Everything recorded, as one distribution at 3 significant digits (a copy). */
  total(): LatencyDistribution {
    return LatencyDistribution.merge([this.all]);
  }

  /** JSON text: the bucket layout and each non-empty bucket's encoded histogram. */
  encode(): string {
    const buckets: Array<[number, string]> = [];
    for (const [index, bucket] of [...this.buckets].sort((a, b) => a[0] - b[0])) {
      if (bucket.count > 0) buckets.push([index, bucket.encode()]);
    }
    const encoded: EncodedTimeline = {
      v: 1,
      originMs: this.originMs,
      bucketMs: this.bucketMs,
      significantDigits: this.significantDigits,
      packed: this.packed,
      buckets,
      total: this.all.encode(),
    };
    return JSON.stringify(encoded);
  }

  private newBucket(): LatencyDistribution {
    return new LatencyDistribution({ significantDigits: this.significantDigits, packed: this.packed });
  }
}
