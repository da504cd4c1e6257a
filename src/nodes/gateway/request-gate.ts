import { ProtocolError } from '../../core/protocol/errors.js';

/** What a refused request is told to wait: about the time a few queued requests take. */
export const GATE_RETRY_AFTER_MS = 250;
/** How many requests may wait per running slot: waiting costs only memory, so a legit burst (gap fills of many rooms) waits rather than fails. */
export const REQUEST_QUEUE_FACTOR = 32;

/**
 * One user's share of the gateway's backing services: at most `maxRunning` of its
 * requests run at once (each may hold a Postgres connection of the shared pool), up to
 * `maxWaiting` more wait their turn in arrival order, and beyond that a request is refused
 * `rate_limited`. Without it, one client that pipelines thousands of history requests queues
 * them all on the pool, and every other user of the gateway waits behind them (measured: a
 * bystander's history read went from milliseconds to 2.5 s during a 3000-request flood).
 */
export class RequestGate {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.maxRunning) {
      this.running++;
    } else if (this.waiting.length < this.maxWaiting) {
      // The finishing request hands its slot over directly: running stays the same.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      throw new ProtocolError(
        'rate_limited',
        `more than ${this.maxRunning + this.maxWaiting} requests pending; wait for replies`,
        GATE_RETRY_AFTER_MS,
      );
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get pending(): number {
    return this.running + this.waiting.length;
  }
}
