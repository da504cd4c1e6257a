import type { Logger } from 'pino';
import type { HistoryCache } from '../../core/cache/history-cache.js';
import type { Message } from '../../core/protocol/server-frames.js';
import type { Deliverer, DirectReply, Outgoing } from '../../core/routing/deliverer.js';
import type { RouteTable } from '../../core/routing/route-registry.js';
import { Coalescer } from '../../core/runtime/coalescer.js';

/** What one committed partition batch hands on: frames for members, replies for senders, messages to cache. */
export interface Publication {
  outgoing: Outgoing[];
  replies: DirectReply[];
  /** Messages committed for the first time (replays are in the cache already). */
  fresh: Message[];
}

/** user -> device -> gateway node. */
export type Routes = RouteTable;

/** What a publication learnt: the routes it looked up (for the push decisions) and when it went out. */
export interface Published {
  routes: Routes;
  /** Epoch ms (fractional) of the NATS publish: the end of the fan-out's route hop. */
  publishedAt: number;
}

/**
 * Delivery after commit, shared by the partitions a fan-out holds: the publications of every
 * partition whose batch committed in the same statement arrive together and go out as one
 * Redis round trip (the route lookup and the history-cache write) and one NATS message per
 * gateway node, instead of one of each per partition (on a 2-core box Redis and NATS round trips cost ~0.1 ms of CPU each on
 * both sides, more than the work they carry). A partition never has two batches here at once (its
 * worker waits for its publication), so room order holds.
 */
export class BatchPublisher {
  private readonly coalescer: Coalescer<Publication, Published>;

  constructor(deliverer: Deliverer, cache: HistoryCache, log: Logger) {
    this.coalescer = new Coalescer<Publication, Published>(
      async (publications) => {
        const fresh = publications.flatMap((p) => p.fresh);
        let published: Published | Error;
        try {
          // The cache write rides in the route lookup's round trip (a lost write costs a cache miss).
          published = await deliverer.deliverStamped(
            publications.flatMap((p) => p.outgoing),
            publications.flatMap((p) => p.replies),
            undefined,
            fresh.length > 0 ? (pipeline) => cache.appendIn(pipeline, fresh) : undefined,
          );
        } catch (error) {
          // Committed is committed: devices catch up by seq gap or sync, and senders resend for their ack.
          log.warn({ err: error }, 'live delivery failed after commit');
          published = new Error('route lookup failed; retrying the batch for its push decisions');
        }
        return publications.map(() => published);
      },
      { maxInFlight: 1 },
    );
  }

  /**
   * Delivers and caches; resolves with the routes looked up (for the push decisions), or rejects
   * when there are none: without routes nobody can tell who is offline, so the caller retries.
   */
  publish(publication: Publication): Promise<Published> {
    return this.coalescer.submit(publication);
  }
}
