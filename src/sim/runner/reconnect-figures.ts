import type { ConnectionWindow } from '../oracle/index.js';
import type { SimPlan } from '../sim-types.js';

/** How churned devices came back: from the moment each returned to its being live again (welcomed and synced). */
export interface ReconnectFigures {
  /** Returns planned (one per offline period). */
  returns: number;
  /** Of those, live again by the end of the run. */
  back: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * Each planned return's time to live: the first connection window the device opened at or after
 * its return (the load process reconnects it then) and when that window went live. A reconnect
 * storm (`churn.at`) returns every churned device at once, so the largest of these is the time
 * the cluster took to take them all back. Undefined when nothing was churned.
 */
export function reconnectFigures(
  plan: SimPlan,
  windows: Record<string, ReadonlyArray<ConnectionWindow>>,
  t0: number,
): ReconnectFigures | undefined {
  const times: number[] = [];
  let returns = 0;
  for (const user of plan.users) {
    for (const device of user.devices) {
      const own = windows[`${user.id}/${device.id}`] ?? [];
      for (const period of device.offline) {
        returns++;
        // Timers fire on a monotonic clock a fraction of a ms early against Date.now().
        const returnAt = t0 + period.toMs;
        const window = own.find((w) => w.from >= returnAt - 5);
        if (window?.liveAt !== undefined) times.push(Math.max(0, window.liveAt - returnAt));
      }
    }
  }
  if (returns === 0) return undefined;
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    times.length === 0 ? 0 : times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { returns, back: times.length, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: times.at(-1) ?? 0 };
}
