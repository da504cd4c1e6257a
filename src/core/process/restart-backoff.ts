/**
 * How long a supervisor waits before starting a process that died. A process that had been
 * running a while (killed, or crashed once) comes back at once: while a role is down its
 * clients retry with a growing backoff, so every second it stays away adds to how long they
 * take to return (the reconnect storm, docs/faults.md). A process that dies again soon after
 * its start is crash-looping: each further restart waits twice as long, up to `maxMs`, so that a
 * role that cannot start does not spin a core. The same rule as systemd's RestartSec with a
 * start limit, or Kubernetes' CrashLoopBackOff.
 */
export class RestartBackoff {
  private delayMs: number;

  constructor(
    private readonly options: {
      /** The delay after a process that ran at least `stableAfterMs`. */
      firstMs: number;
      /** The longest delay of a crash loop. */
      maxMs: number;
      /** A process that ran this long was healthy: the next death starts over at firstMs. */
      stableAfterMs: number;
    } = { firstMs: 100, maxMs: 5000, stableAfterMs: 10_000 },
  ) {
    this.delayMs = options.firstMs;
  }

  /** The delay before the next start of a process that ran for `ranMs` before it died. */
  next(ranMs: number): number {
    if (ranMs >= this.options.stableAfterMs) this.delayMs = this.options.firstMs;
    const delay = this.delayMs;
    this.delayMs = Math.min(this.options.maxMs, Math.max(1, this.delayMs) * 2);
    return delay;
  }
}
