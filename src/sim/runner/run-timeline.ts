import { LatencyDistribution, type LatencyTimeline } from '../hdr/index.js';

/**
 * The report's per-second timeline: sends, acks and deliveries in each second of the run and
 * their latency percentiles, with each second's histograms so that timelines of several runs
 * add up exactly (`chat-node sim merge`).
 */

/** One second of a run. Latencies are filed under the second they arrived in. */
export interface TimelineSecond {
  /** Seconds from the run's time zero (see RunTimeline.startOffsetSec). */
  second: number;
  sent: number;
  acked: number;
  delivered: number;
  deliverP50Ms: number;
  deliverP99Ms: number;
  deliverMaxMs: number;
  ackP50Ms: number;
  ackP99Ms: number;
  ackMaxMs: number;
  /** The second's histograms (HDR V2 compressed base64, µs, 2 significant digits); absent when empty. */
  deliverHdr?: string;
  ackHdr?: string;
}

export interface RunTimeline {
  /**
   * Rows are whole seconds of the clock, shared by every load process; the run's time zero falls
   * this far (0..1 s) into row 0, so row s covers [s - offset, s + 1 - offset) from time zero.
   * Null in a merge, whose parts had their own offsets (their rows line up to within 1 s).
   */
  startOffsetSec: number | null;
  seconds: TimelineSecond[];
}

/** Beyond this many seconds from first to last, only the seconds with data are listed. */
const MAX_FILLED_SECONDS = 100_000;
/** The precision of each second's histogram: within 1%, as the chart's buckets. */
const SECOND_DIGITS = 2;

interface SecondParts {
  sent: number;
  deliver?: LatencyDistribution;
  ack?: LatencyDistribution;
}

/** The timeline of one run from its merged latency timelines (1 s buckets) and its sends per epoch second. */
export function runTimeline(input: {
  t0: number;
  deliver: LatencyTimeline;
  ack: LatencyTimeline;
  sentBySecond: Iterable<readonly [number, number]>;
}): RunTimeline {
  const zeroSecond = Math.floor(input.t0 / 1000);
  const bySecond = new Map<number, SecondParts>();
  const partsAt = (second: number) => {
    let parts = bySecond.get(second);
    if (!parts) bySecond.set(second, (parts = { sent: 0 }));
    return parts;
  };
  for (const [epochSecond, sent] of input.sentBySecond) partsAt(epochSecond - zeroSecond).sent += sent;
  for (const kind of ['deliver', 'ack'] as const) {
    const timeline = input[kind];
    if (timeline.bucketMs !== 1000)
      throw new Error(`the report's timeline needs 1 s buckets, got ${timeline.bucketMs} ms`);
    for (const point of timeline.points(0)) {
      if (point.count === 0) continue;
      const bucket = timeline.bucketAt(point.fromMs);
      if (bucket) partsAt(Math.floor(point.fromMs / 1000) - zeroSecond)[kind] = bucket;
    }
  }
  return { startOffsetSec: (input.t0 - zeroSecond * 1000) / 1000, seconds: rowsOf(bySecond) };
}

/**
 * Timelines of several runs as one: row s of each adds up (sends, acks and deliveries summed,
 * histograms added, percentiles read from the sums). Throws when a second with latencies has
 * no histogram to add.
 */
export function mergeTimelines(parts: readonly RunTimeline[]): RunTimeline {
  const bySecond = new Map<number, SecondParts & { acked: number; delivered: number }>();
  const decode = (text: string) => LatencyDistribution.decode(text, { significantDigits: SECOND_DIGITS });
  for (const part of parts) {
    for (const row of part.seconds) {
      let merged = bySecond.get(row.second);
      if (!merged) bySecond.set(row.second, (merged = { sent: 0, acked: 0, delivered: 0 }));
      merged.sent += row.sent;
      for (const kind of ['deliver', 'ack'] as const) {
        const text = row[`${kind}Hdr`];
        const count = kind === 'deliver' ? row.delivered : row.acked;
        if (count > 0 && text === undefined)
          throw new Error(`second ${row.second} has ${count} ${kind} latencies but no histogram`);
        if (text === undefined) continue;
        const histogram = decode(text);
        if (merged[kind]) merged[kind].add(histogram);
        else merged[kind] = histogram;
      }
    }
  }
  return { startOffsetSec: null, seconds: rowsOf(bySecond) };
}

function rowsOf(bySecond: ReadonlyMap<number, SecondParts>): TimelineSecond[] {
  if (bySecond.size === 0) return [];
  const known = [...bySecond.keys()].sort((a, b) => a - b);
  const first = known[0]!;
  const last = known.at(-1)!;
  // A wild clock must not turn into millions of empty rows.
  const seconds =
    last - first < MAX_FILLED_SECONDS ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : known;
  return seconds.map((second) => {
    const parts = bySecond.get(second);
    const deliver = parts?.deliver;
    const ack = parts?.ack;
    const row: TimelineSecond = {
      second,
      sent: parts?.sent ?? 0,
      acked: ack?.count ?? 0,
      delivered: deliver?.count ?? 0,
      deliverP50Ms: deliver?.percentileMs(50) ?? 0,
      deliverP99Ms: deliver?.percentileMs(99) ?? 0,
      deliverMaxMs: deliver?.maxMs ?? 0,
      ackP50Ms: ack?.percentileMs(50) ?? 0,
      ackP99Ms: ack?.percentileMs(99) ?? 0,
      ackMaxMs: ack?.maxMs ?? 0,
    };
    if (deliver && deliver.count > 0) row.deliverHdr = deliver.encode();
    if (ack && ack.count > 0) row.ackHdr = ack.encode();
    return row;
  });
}
