/**
 * How many connects a load process keeps in flight: additive increase while connects are fast,
 * multiplicative decrease when one is slow or fails (AIMD, as TCP does with its window).
 *
 * A fixed window turns a slow cluster into a collapse: with W connects waiting on a gateway that
 * completes R a second, each waits about W / R; past the 10 s handshake and hello timeouts every
 * attempt is cut and retried, and the work the cluster did for it is lost. Keeping connects near
 * `targetMs` keeps the queue at about R x targetMs, whatever R is on the machine that day.
 */
export interface ConnectWindowOptions {
  /** Connects in flight at first (default 32). */
  initial?: number;
  /** Never fewer (default 4). */
  min?: number;
  /** Never more (default 256). */
  max?: number;
  /** A connect slower than this shrinks the window (default 2000 ms: well inside the 10 s timeouts). */
  targetMs?: number;
  /** How much a slow connect leaves of the window (default 0.7). */
  decrease?: number;
}

const GROWTH_PER_CONNECT = 0.125;

export class ConnectWindow {
  private current: number;
  private lastDecreaseAt = Number.NEGATIVE_INFINITY;
  private readonly min: number;
  private readonly max: number;
  private readonly targetMs: number;
  private readonly decrease: number;

  constructor(
    options: ConnectWindowOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.min = options.min ?? 4;
    this.max = options.max ?? 256;
    this.targetMs = options.targetMs ?? 2000;
    this.decrease = options.decrease ?? 0.7;
    this.current = Math.min(this.max, Math.max(this.min, options.initial ?? 32));
  }

  /** Connects that may be in flight now. */
  get limit(): number {
    return Math.floor(this.current);
  }

  /** A connect ended after `latencyMs`; `ok` false when it failed. */
  settled(latencyMs: number, ok: boolean): void {
    if (ok && latencyMs <= this.targetMs) {
      // An eighth of a connect per fast one: the window grows by an eighth per round trip.
      this.current = Math.min(this.max, this.current + GROWTH_PER_CONNECT);
      return;
    }
    // The slow connects of one round all report the same queue: shrink once per target interval.
    const now = this.now();
    if (now - this.lastDecreaseAt < this.targetMs) return;
    this.lastDecreaseAt = now;
    this.current = Math.max(this.min, this.current * this.decrease);
  }
}
