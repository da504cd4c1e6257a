import type { Logger } from 'pino';
import type { HistoryCache } from '../../core/cache/history-cache.js';
import type { PresenceReveal } from '../../core/presence/presence-events.js';
import type { Message } from '../../core/protocol/server-frames.js';
import type { Deliverer, DirectReply, Outgoing } from '../../core/routing/deliverer.js';
import type { RouteRegistry, RouteTable } from '../../core/routing/route-registry.js';
import { asError, Coalescer } from '../../core/batching/coalescer.js';
import { DeferredCacheWrites } from './deferred-cache-writes.js';
import { UnansweredWatch } from './settle-within.js';

/** What one committed partition batch hands on: frames for members, replies for senders, messages to cache. */
export interface Publication {
  outgoing: Outgoing[];
  replies: DirectReply[];
  /** Messages committed for the first time (replays are in the cache already). */
  fresh: Message[];
  /** Senders whose presence the batch revealed to a direct room's other member (RoomSequencer). */
  reveals?: PresenceReveal[];
  /**
   * False when no member but a sender has a push registration: nobody's routes decide a push, so
   * a small cluster (broadcast) skips the lookup and its cache write goes with the next ones
   * (DeferredCacheWrites). Default true.
   */
  needsRoutes?: boolean;
}

export interface BatchPublisherOptions {
  /** How long a route lookup may take before the batch is delivered without routes (default 1000 ms). */
  lookupTimeoutMs?: number;
  /** Hands reveals to the presence role once their batch is delivered (best effort, like presence). */
  announceReveals?: (reveals: PresenceReveal[]) => void;
  /**
   * True while the batches go to every gateway node before their route lookup (a small cluster:
   * GatewayCensus); asked once per call. Default: never, always by route.
   */
  broadcast?: () => boolean;
  /** How deferred cache writes gather (DeferredCacheWrites; default 20 ms). */
  cacheWindowMs?: number;
}

/** user -> device -> gateway node. */
export type Routes = RouteTable;

/** What a publication learnt: the routes it looked up (for the push decisions) and when it went out. */
export interface Published {
  /**
   * Undefined when Redis did not answer in time (then the deliveries went to every gateway node);
   * empty when none was looked up, since no publication needed routes (no push registrations).
   */
  routes: Routes | undefined;
  /** Epoch ms (fractional) of the NATS publish: the end of the fan-out's route hop. */
  publishedAt: number;
}

/** How long a route lookup may take before the batch is delivered without routes. */
const DEFAULT_LOOKUP_TIMEOUT_MS = 1000;

/**
 * Delivery after commit, shared by the partitions a fan-out holds: the publications of every
 * partition whose batch committed in the same statement arrive in the same turn (each a few
 * promise hops behind the other: the coalescer gathers the turn before it calls) and go out as one
 * Redis round trip (the route lookup and the history-cache write) and one NATS message per
 * gateway node, instead of one of each per partition (on a 2-core box Redis and NATS round trips cost ~0.1 ms of CPU each on
 * both sides, more than the work they carry). A partition never has two batches here at once (its
 * worker waits for its publication), so room order holds.
 *
 * Routes and the cache are rebuildable; a committed message must still reach its members'
 * connected devices and its partition must go on. So when Redis fails or does not answer within
 * `lookupTimeoutMs`, the batch goes to every gateway node (Deliverer.deliverToAll) and the cache
 * write is skipped (a later read finds the hole and reads Postgres). While a lookup that timed out
 * has not come back, the next batches do not ask Redis at all: one stuck pipeline, not one per batch.
 *
 * In a small cluster (`broadcast`) every batch goes to every gateway node first and the lookup
 * follows, for the push decisions: one Redis round trip less on each message's way (0.6-1.7 ms of
 * its p50 on the 2-core box, docs/benchmarks.md) for a few more envelopes each gateway reads.
 */
export class BatchPublisher {
  private readonly coalescer: Coalescer<Publication, Published>;
  private readonly lookupTimeoutMs: number;
  /** Lookups that time out: while one has not settled, Redis is out of reach. */
  private readonly lookups = new UnansweredWatch();
  private withoutRoutes = false;
  private readonly announceReveals: (reveals: PresenceReveal[]) => void;
  private readonly broadcast: () => boolean;
  private readonly deferredCacheWrites: DeferredCacheWrites;

  constructor(
    private readonly deliverer: Deliverer,
    private readonly routes: RouteRegistry,
    private readonly cache: HistoryCache,
    private readonly log: Logger,
    options: BatchPublisherOptions = {},
  ) {
    this.lookupTimeoutMs = options.lookupTimeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
    this.announceReveals = options.announceReveals ?? (() => {});
    this.broadcast = options.broadcast ?? (() => false);
    this.deferredCacheWrites = new DeferredCacheWrites(cache, log, { windowMs: options.cacheWindowMs });
    this.coalescer = new Coalescer<Publication, Published>((publications) => this.run(publications), {
      maxInFlight: 1,
      gather: 'turn',
    });
  }

  /**
   * Caches and delivers; resolves with the routes looked up (undefined when Redis could not be
   * read: the push decisions then cannot tell who is online). Rejects only when the NATS publish
   * failed (the connection is closed): the caller retries the delivery, never the commit.
   */
  publish(publication: Publication): Promise<Published> {
    return this.coalescer.submit(publication);
  }

  private async run(publications: Publication[]): Promise<Array<Published | Error>> {
    const outgoing = publications.flatMap((p) => p.outgoing);
    const replies = publications.flatMap((p) => p.replies);
    const fresh = publications.flatMap((p) => p.fresh);
    const users = () => [...new Set(outgoing.flatMap((item) => item.users))];
    const needsRoutes = publications.some((p) => p.needsRoutes !== false);
    const published = this.broadcast()
      ? await this.publishThenLookUp(outgoing, replies, needsRoutes ? users() : undefined, fresh)
      : await this.lookUpThenPublish(outgoing, replies, users(), fresh);
    if (published instanceof Error)
      this.log.warn({ err: published }, 'publishing a committed batch failed; retrying its delivery');
    const reveals = publications.flatMap((p) => p.reveals ?? []);
    if (reveals.length > 0 && !(published instanceof Error)) this.announce(reveals);
    return publications.map(() => published);
  }

  /** The routes first, then one NATS message per gateway node holding a member (or to all: Redis out of reach). */
  private async lookUpThenPublish(
    outgoing: Outgoing[],
    replies: DirectReply[],
    users: string[],
    fresh: Message[],
  ): Promise<Published | Error> {
    const routes = await this.lookUp(users, fresh);
    try {
      return routes
        ? { routes, publishedAt: (await this.deliverer.deliverStamped(outgoing, replies, routes)).publishedAt }
        : { routes: undefined, publishedAt: this.deliverer.deliverToAll(outgoing, replies) };
    } catch (error) {
      return asError(error);
    }
  }

  /**
   * To every gateway node at once, each writing to the members it holds; the routes are looked up
   * afterwards, for the push decisions (and the cache write rides along), so the Redis round trip
   * is off the message's path. As safe as by route: a gateway subscribes to the shared subject
   * before it takes clients, and adds a session before its welcome, so a device either holds a
   * session when the batch arrives or syncs after the commit. What it costs is every batch parsed
   * by every gateway node, which is why only a small cluster does it. Without `users` (no push
   * depends on them) there is no lookup at all, and the cache write waits for the next ones.
   */
  private async publishThenLookUp(
    outgoing: Outgoing[],
    replies: DirectReply[],
    users: string[] | undefined,
    fresh: Message[],
  ): Promise<Published | Error> {
    let publishedAt: number;
    try {
      publishedAt = this.deliverer.deliverToAll(outgoing, replies);
    } catch (error) {
      return asError(error);
    }
    if (users === undefined) {
      this.deferredCacheWrites.add(fresh);
      return { routes: new Map(), publishedAt };
    }
    return { routes: await this.lookUp(users, fresh), publishedAt };
  }

  /** Writes the cache writes still gathering (on stop: what is pending need not wait its window). */
  flush(): Promise<void> {
    return this.deferredCacheWrites.flush();
  }

  private announce(reveals: PresenceReveal[]): void {
    try {
      this.announceReveals(reveals);
    } catch (error) {
      // Presence is best effort: a lost reveal costs a status shown late, never a message.
      this.log.warn({ err: error }, 'announcing presence reveals failed');
    }
  }

  /** The members' routes, with the cache write in the same round trip; undefined when Redis did not answer. */
  private async lookUp(users: string[], fresh: Message[]): Promise<Routes | undefined> {
    if (this.lookups.waiting) return undefined;
    const outcome = await this.lookups.settle(
      this.routes.lookup(users, fresh.length > 0 ? (pipeline) => this.cache.appendIn(pipeline, fresh) : undefined),
      this.lookupTimeoutMs,
    );
    if (outcome.kind === 'value') {
      if (this.withoutRoutes) this.log.warn('route lookups answer again');
      this.withoutRoutes = false;
      return outcome.value;
    }
    if (!this.withoutRoutes) {
      const reason =
        outcome.kind === 'timeout' ? `no answer within ${this.lookupTimeoutMs} ms` : (outcome.error as Error).message;
      this.log.warn(
        { reason },
        'route lookup failed: until Redis answers, batches go to every gateway node and push decisions cannot tell who is online',
      );
    }
    this.withoutRoutes = true;
    return undefined;
  }
}
