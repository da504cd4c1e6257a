/**
 * One readiness check in flight at a time, however many /readyz requests arrive: a check costs
 * Postgres queries, and a flood of probes each running their own used to take every connection
 * of the pool while Postgres was slow, starving the clients' requests.
 */
export class ReadinessProbe {
  private inFlight?: Promise<string[]>;
  private last?: { at: number; problems: string[] };

  /**
   * @param check the check itself (returns the failing parts)
   * @param options.cacheMs an answer is reused for this long after it arrived (default 0: only
   *   callers that came while it ran share it)
   * @param options.waitMs a caller waits this long for the running check, then is answered
   *   "not ready" without starting another (default 3000: under a probe's usual timeout)
   */
  constructor(
    private readonly check: () => Promise<string[]>,
    private readonly options: { cacheMs?: number; waitMs?: number; now?: () => number } = {},
  ) {}

  /** @param waitMs how long this caller waits for the running check (default: the probe's waitMs) */
  async problems(waitMs = this.options.waitMs ?? 3000): Promise<string[]> {
    const now = this.options.now ?? Date.now;
    const { cacheMs = 0 } = this.options;
    if (this.last && now() - this.last.at < cacheMs) return this.last.problems;
    this.inFlight ??= this.check()
      .catch((error: unknown) => [error instanceof Error ? error.message : String(error)])
      .then((problems) => {
        this.last = { at: now(), problems };
        return problems;
      })
      .finally(() => (this.inFlight = undefined));
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<string[]>((resolve) => {
      timer = setTimeout(() => resolve([`readiness check still running after ${waitMs} ms`]), waitMs);
    });
    try {
      return await Promise.race([this.inFlight, late]);
    } finally {
      clearTimeout(timer);
    }
  }
}
