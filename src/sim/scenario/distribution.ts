import type { SeededRandom } from './seeded-random.js';

/**
 * A distribution over whole numbers as a scenario states it: a fixed value (`2`), a uniform
 * range (`{ min: 3, max: 8 }`), or weights (`{ 1: 0.6, 2: 0.3, 3: 0.1 }`, which need not sum
 * to 1: they are normalised).
 */
export type IntDistribution =
  | { kind: 'fixed'; value: number }
  | { kind: 'range'; min: number; max: number }
  | { kind: 'weighted'; values: number[]; weights: number[] };

/** Weights as read from a file (keys are the values) into a normalised, value-ordered distribution. */
export function weightedDistribution(weights: Record<string, number>): IntDistribution {
  const entries = Object.entries(weights)
    .map(([value, weight]) => [Number(value), weight] as const)
    .filter(([, weight]) => weight > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
  return {
    kind: 'weighted',
    values: entries.map(([value]) => value),
    weights: entries.map(([, weight]) => weight / total),
  };
}

export function distributionMin(distribution: IntDistribution): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.value;
    case 'range':
      return distribution.min;
    case 'weighted':
      return distribution.values[0]!;
  }
}

export function distributionMax(distribution: IntDistribution): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.value;
    case 'range':
      return distribution.max;
    case 'weighted':
      return distribution.values.at(-1)!;
  }
}

export function distributionMean(distribution: IntDistribution): number {
  switch (distribution.kind) {
    case 'fixed':
      return distribution.value;
    case 'range':
      return (distribution.min + distribution.max) / 2;
    case 'weighted':
      return distribution.values.reduce((sum, value, i) => sum + value * distribution.weights[i]!, 0);
  }
}

/** Draws one value; always takes exactly one number from the stream, so streams stay aligned. */
export function sampleDistribution(distribution: IntDistribution, random: SeededRandom): number {
  const u = random.next();
  switch (distribution.kind) {
    case 'fixed':
      return distribution.value;
    case 'range':
      return distribution.min + Math.floor(u * (distribution.max - distribution.min + 1));
    case 'weighted': {
      let acc = 0;
      for (let i = 0; i < distribution.values.length; i++) {
        acc += distribution.weights[i]!;
        if (u < acc) return distribution.values[i]!;
      }
      return distribution.values.at(-1)!;
    }
  }
}

/** "2", "3..8" or "1: 60%, 2: 30%, 3: 10%", for reports. */
export function describeDistribution(distribution: IntDistribution): string {
  switch (distribution.kind) {
    case 'fixed':
      return String(distribution.value);
    case 'range':
      return `${distribution.min}..${distribution.max}`;
    case 'weighted':
      return distribution.values
        .map((value, i) => `${value}: ${+(distribution.weights[i]! * 100).toFixed(1)}%`)
        .join(', ');
  }
}
