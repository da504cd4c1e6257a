import { readFileSync } from 'node:fs';

/**
 * This process's soft limit on open files (sockets included), from /proc/self/limits; undefined
 * where there is no such file (not Linux) or the limit is "unlimited". Node has no getrlimit.
 */
export function openFileLimit(limitsText?: string): number | undefined {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return undefined;
    }
  }
  const match = /^Max open files\s+(\S+)/m.exec(text);
  const soft = match ? Number(match[1]) : Number.NaN;
  return Number.isInteger(soft) && soft > 0 ? soft : undefined;
}

/** Descriptors a gateway process keeps for itself: its Postgres pool, Redis, NATS, files and logs. */
export const OWN_DESCRIPTORS = 1000;

/** The default cap on a gateway process's client connections: what the open-file limit leaves. */
export function defaultMaxConnections(limit: number | undefined): number {
  return limit === undefined ? 0 : Math.max(100, limit - OWN_DESCRIPTORS);
}
