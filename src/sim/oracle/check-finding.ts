import type { Violation } from '../sim-types.js';

/**
 * A finding of one of the checks beside the delivery oracle (push, presence, typing): the
 * shape of a Violation with the check's own kinds, and the plan's key of the room for readers.
 */
export interface CheckFinding<K extends string> extends Omit<Violation, 'kind'> {
  kind: K;
  roomKey?: string;
}

/** Latency percentiles of a small sample, in ms (nearest rank). */
export interface SamplePercentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles; null for an empty sample. */
export function samplePercentiles(values: readonly number[]): SamplePercentiles | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
  return { count: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted.at(-1)! };
}
