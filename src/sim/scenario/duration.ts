/**
 * Durations in scenario files: a number is milliseconds; a string is a number with a unit,
 * `500ms`, `10s`, `2m`, `1h`, or a sum of them such as `1m30s`.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;

/** The pattern the scenario schema checks duration strings against. */
export const DURATION_PATTERN_SOURCE = '^\\s*(\\d+(\\.\\d+)?(ms|s|m|h)\\s*)+$';

/** Milliseconds of a duration, rounded to whole ms; undefined if it is not a duration. */
export function parseDuration(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
  if (!new RegExp(DURATION_PATTERN_SOURCE).test(value)) return undefined;
  let total = 0;
  for (const match of value.matchAll(PART)) total += Number(match[1]) * UNIT_MS[match[2]!]!;
  return Math.round(total);
}

/** A short human form for reports and error messages: 950ms, 12s, 1.5s, 2m, 2m30s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  const minutes = Math.floor(ms / 60_000);
  const rest = ms - minutes * 60_000;
  return rest === 0 ? `${minutes}m` : `${minutes}m${formatDuration(rest)}`;
}
