import hdr from 'hdr-histogram-js';

/**
 * Latencies of one kind (send -> deliver, send -> ack) as an HDR histogram that travels
 * between processes: each load worker records its own, encodes it (compressed base64, the
 * standard HdrHistogram V2 encoding) and the coordinator decodes and merges them. Merging
 * HDR histograms is exact (counts per bucket add up), unlike averaging percentiles.
 *
 * Values are recorded in microseconds from 1 µs to MAX_LATENCY_MS. The range is fixed so
 * that every process builds the same bucket layout; a value above it is clamped to it (a
 * message delivered after an hour-long offline period reads as "an hour", not as an error).
 */

/** Highest latency the histograms resolve: one hour. Longer ones are recorded as this. */
export const MAX_LATENCY_MS = 3_600_000;

const MICROS_PER_MS = 1000;
const HIGHEST_MICROS = MAX_LATENCY_MS * MICROS_PER_MS;

export type SignificantDigits = 1 | 2 | 3 | 4 | 5;

export interface LatencyDistributionOptions {
  /** Relative precision: 3 keeps every value within 0.1% (default 3). */
  significantDigits?: SignificantDigits;
  /**
   * Packed (sparse) counts: a few hundred bytes when empty instead of ~95 KB, for the many
   * small histograms of a timeline, at ~5x the recording cost (default false).
   */
  packed?: boolean;
}

/** Percentiles of a distribution, in ms. All 0 when nothing was recorded. */
export interface LatencyPercentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

type Histogram = ReturnType<typeof hdr.build>;

export class LatencyDistribution {
  private readonly histogram: Histogram;

  constructor(options: LatencyDistributionOptions = {}) {
    this.histogram = hdr.build({
      lowestDiscernibleValue: 1,
      highestTrackableValue: HIGHEST_MICROS,
      numberOfSignificantValueDigits: options.significantDigits ?? 3,
      bitBucketSize: options.packed ? 'packed' : 32,
      autoResize: false,
    });
  }

  /**
   * Rebuilds a distribution from `encode()`'s text (from any process). Decoded histograms are
   * plain (not packed) unless asked: reading and adding plain counts is many times faster.
   */
  static decode(text: string, options: LatencyDistributionOptions = {}): LatencyDistribution {
    const decoded = hdr.decodeFromCompressedBase64(text, options.packed ? 'packed' : 32);
    const digits = options.significantDigits ?? asDigits(decoded.numberOfSignificantValueDigits);
    if (
      decoded.highestTrackableValue === HIGHEST_MICROS &&
      decoded.numberOfSignificantValueDigits === digits &&
      !decoded.autoResize
    ) {
      return LatencyDistribution.adopt(decoded);
    }
    // Another layout (an older encoder, or other precision asked for): re-recorded into ours.
    const distribution = new LatencyDistribution({ significantDigits: digits, packed: options.packed ?? false });
    distribution.histogram.add(decoded);
    return distribution;
  }

  /** One distribution holding everything of `parts` (encoded texts or distributions). */
  static merge(
    parts: Iterable<LatencyDistribution | string>,
    options: LatencyDistributionOptions = {},
  ): LatencyDistribution {
    const merged = new LatencyDistribution(options);
    for (const part of parts) merged.add(typeof part === 'string' ? LatencyDistribution.decode(part, options) : part);
    return merged;
  }

  private static adopt(histogram: Histogram): LatencyDistribution {
    const distribution = Object.create(LatencyDistribution.prototype) as LatencyDistribution;
    (distribution as unknown as { histogram: Histogram }).histogram = histogram;
    return distribution;
  }

  /** Records one latency in ms (kept to the µs; 0, negatives from clock skew, and NaN count as 1 µs). */
  recordMs(ms: number): void {
    this.histogram.recordValue(toMicros(ms));
  }

  /** Records `count` latencies of the same value. */
  recordManyMs(ms: number, count: number): void {
    if (count > 0) this.histogram.recordValueWithCount(toMicros(ms), count);
  }

  /** Adds everything `other` recorded to this one. */
  add(other: LatencyDistribution): void {
    this.histogram.add(other.histogram);
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  /** The latency at a percentile (0..100), in ms; 0 when empty. */
  percentileMs(percentile: number): number {
    if (this.count === 0) return 0;
    return this.histogram.getValueAtPercentile(percentile) / MICROS_PER_MS;
  }

  /**
   * The highest recorded latency, in ms, to HDR precision (the top of its bucket, so that
   * it reads the same before and after an encode or a merge); 0 when empty.
   */
  get maxMs(): number {
    return this.percentileMs(100);
  }

  /** The mean latency in ms; 0 when empty. */
  get meanMs(): number {
    return this.count === 0 ? 0 : this.histogram.mean / MICROS_PER_MS;
  }

  percentiles(): LatencyPercentiles {
    return {
      count: this.count,
      p50: this.percentileMs(50),
      p90: this.percentileMs(90),
      p99: this.percentileMs(99),
      p999: this.percentileMs(99.9),
      max: this.maxMs,
    };
  }

  /** Compressed base64 (HdrHistogram V2 encoding), a few hundred bytes for typical data. */
  encode(): string {
    return hdr.encodeIntoCompressedBase64(this.histogram);
  }

  reset(): void {
    this.histogram.reset();
  }
}

function toMicros(ms: number): number {
  if (!(ms > 0)) return 1;
  const micros = Math.round(ms * MICROS_PER_MS);
  return micros < 1 ? 1 : micros > HIGHEST_MICROS ? HIGHEST_MICROS : micros;
}

function asDigits(digits: number): SignificantDigits {
  return (digits >= 1 && digits <= 5 ? Math.trunc(digits) : 3) as SignificantDigits;
}
