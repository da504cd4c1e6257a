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
 *
 * A request whose signal aborts (its session ended) leaves the queue at once and never runs: a
 * client that queues a share's worth and disconnects must not leave its user's next connection
 * refused or waiting behind work nobody will read.
 */
export class RequestGate {
  private running = 0;
  /** Each waiting request's wake-up: called with the slot handed over. */
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly maxRunning: number,
    private readonly maxWaiting: number,
  ) {}

  /** Runs `task` in its turn; rejects with the signal's reason, without running it, once `signal` aborts. */
  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.running < this.maxRunning) {
      this.running++;
    } else if (this.waiting.length < this.maxWaiting) {
      // The finishing request hands its slot over directly: running stays the same.
      await this.turn(signal);
    } else {
      throw new ProtocolError(
        'rate_limited',
        `more than ${this.maxRunning + this.maxWaiting} requests pending; wait for replies`,
        GATE_RETRY_AFTER_MS,
      );
    }
    try {
      // Handed a slot just as the session ended: hand it on rather than run.
      signal?.throwIfAborted();
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  /** Waits for a slot; an abort meanwhile takes the request out of the queue (it holds no slot then). */
  private turn(signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(wake);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal?.reason);
      };
      this.waiting.push(wake);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  get pending(): number {
    return this.running + this.waiting.length;
  }
}
