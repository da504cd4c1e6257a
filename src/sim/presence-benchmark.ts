import { randomBytes } from 'node:crypto';
import { ChatClient, type TokenSource } from '../core/client/index.js';
import { LatencyDistribution, type LatencyPercentiles } from './hdr/index.js';

export interface PresenceBenchmarkOptions {
  urls: string[];
  tokenFor: (user: string, device: string) => TokenSource;
  /** Connect/disconnect cycles of the watched user (default 100). */
  cycles: number;
  /** The cluster's grace period, subtracted from the offline latency. */
  graceMs: number;
  onProgress?: (done: number) => void;
}

export interface PresenceBenchmarkResult {
  online: LatencyPercentiles;
  offline: LatencyPercentiles;
  missed: number;
}

/**
 * A watcher and a user who share a group (a direct room would show the user's presence only
 * once the user wrote in it: docs/protocol.md "Who is told"); the user connects and disconnects `cycles`
 * times. Online latency runs from the user's connect call to the watcher's presence frame;
 * offline latency from the close to the watcher's frame, minus the grace period.
 */
export async function runPresenceBenchmark(options: PresenceBenchmarkOptions): Promise<PresenceBenchmarkResult> {
  const run = randomBytes(3).toString('hex');
  const watched = `pres-user-${run}`;
  const watcher = new ChatClient({ urls: options.urls, token: options.tokenFor(`pres-watcher-${run}`, 'phone') });
  watcher.on('error', () => {});
  await watcher.connect();
  const online = new LatencyDistribution();
  const offline = new LatencyDistribution();
  let missed = 0;
  try {
    await watcher.createGroup('presence', [watched]);
    const next = (status: 'online' | 'offline', timeoutMs: number) =>
      new Promise<number | undefined>((resolve) => {
        const timer = setTimeout(() => {
          watcher.off('presence', listener);
          resolve(undefined);
        }, timeoutMs);
        const listener = (event: { users: Array<{ user: string; status: string }> }) => {
          if (!event.users.some((u) => u.user === watched && u.status === status)) return;
          clearTimeout(timer);
          watcher.off('presence', listener);
          resolve(performance.now());
        };
        watcher.on('presence', listener);
      });
    for (let cycle = 0; cycle < options.cycles; cycle++) {
      const device = new ChatClient({
        urls: options.urls,
        token: options.tokenFor(watched, 'phone'),
        autoReconnect: false,
      });
      device.on('error', () => {});
      const seenOnline = next('online', 10_000);
      const connectAt = performance.now();
      await device.connect();
      const onlineAt = await seenOnline;
      if (onlineAt === undefined) missed++;
      else online.recordMs(onlineAt - connectAt);
      const seenOffline = next('offline', options.graceMs + 10_000);
      const closeAt = performance.now();
      await device.close();
      const offlineAt = await seenOffline;
      if (offlineAt === undefined) missed++;
      else offline.recordMs(Math.max(0, offlineAt - closeAt - options.graceMs));
      options.onProgress?.(cycle + 1);
    }
  } finally {
    await watcher.close();
  }
  return { online: online.percentiles(), offline: offline.percentiles(), missed };
}
