import type { Server } from 'node:http';
import type { Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { decodeJson } from '../../core/bus/envelopes.js';
import { Subjects } from '../../core/bus/subjects.js';
import type { ClusterConfig } from '../../core/config/cluster-config.js';
import { portOf, startHealthServer } from '../../core/observability/health-server.js';
import { createRegistry } from '../../core/observability/metrics.js';
import { listenerUrl, NodeLease } from '../../core/registry/node-lease.js';
import type { PresenceEvent, PresenceReveal, PresenceStatus } from '../../core/presence/presence-events.js';
import { RedisPresenceStore, type PresenceStore } from '../../core/presence/presence-store.js';
import { Deliverer } from '../../core/routing/deliverer.js';
import { RedisRouteRegistry } from '../../core/routing/route-registry.js';
import { connectServices, serviceProblems, type ServiceClients } from '../../core/services/service-clients.js';
import { RoomStore } from '../../core/storage/room-store.js';
import { Coalescer } from '../../core/batching/coalescer.js';
import { createPresenceMetrics, type PresenceMetrics } from './presence-metrics.js';

/** Users of a dead gateway reaped per Redis round trip. */
const REAP_SLICE = 2000;

/** A user's status to recompute; `eventAt`: when the connect that asked for it happened. */
interface Evaluation {
  user: string;
  eventAt?: number;
}

/** A device went away at `at`; its user is checked again at `due` (the end of the grace period). */
interface Departure {
  user: string;
  at: number;
  due: number;
}

export interface PresenceOptions {
  config: ClusterConfig;
  log: Logger;
  httpPort?: number;
  httpHost?: string;
  /** Where its /metrics and /readyz answer without a listener of its own (`chat-node dev`: the gateway's admin listener). */
  adminUrl?: string;
  registry?: Registry;
  /**
   * How often due grace checks are swept (default 1000 ms). The worker that got the disconnect
   * checks at the exact due time; the sweep catches the checks of a worker that died.
   */
  dueTickMs?: number;
  /** How often dead gateways are looked for and metrics refreshed (default 1000 ms). */
  reapTickMs?: number;
}

/**
 * The presence role. Workers share the device events of all gateways (a NATS queue group) and
 * keep no state of their own: a user's status is computed from Redis (routes on live gateways)
 * by an atomic script, so any worker may handle any event and a change is published once.
 * Offline waits out a grace period (a due-time queue in Redis, so it survives a worker restart);
 * gateways that die without a word are found by their expired lease and reaped.
 */
export class PresenceNode {
  readonly registry: Registry;
  private clients?: ServiceClients;
  private store?: PresenceStore;
  private rooms?: RoomStore;
  private deliverer?: Deliverer;
  private metrics?: PresenceMetrics;
  private subscription?: Subscription;
  private server?: Server;
  private nodeLease?: NodeLease;
  private readonly timers: NodeJS.Timeout[] = [];
  private alive: { at: number; nodes: string[] } = { at: 0, nodes: [] };
  private busy = new Set<string>();
  private stopping = false;
  /**
   * Events that arrive while a batch runs go together in the next (a connect storm is 100,000
   * events in seconds; one Redis script, one Postgres query and one delivery each were most of
   * the role's work).
   */
  private readonly evaluations = new Coalescer<Evaluation, undefined>((requests) => this.evaluateBatch(requests), {
    maxInFlight: 1,
    maxWeight: 1000,
  });
  private readonly departures = new Coalescer<Departure, undefined>((departures) => this.recordDepartures(departures), {
    maxInFlight: 1,
    maxWeight: 1000,
  });

  constructor(private readonly options: PresenceOptions) {
    this.registry = options.registry ?? createRegistry('presence', options.config.nodeId);
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    this.clients = await connectServices(config, `presence:${config.nodeId}`, 5);
    const { pool, redis, nc } = this.clients;
    const subjects = new Subjects(config.namespace, config.partitions);
    this.store = new RedisPresenceStore(redis, config.namespace);
    this.rooms = new RoomStore(pool);
    this.deliverer = new Deliverer(nc, subjects, new RedisRouteRegistry(redis, config.namespace));
    this.metrics = createPresenceMetrics(this.registry);
    this.subscription = nc.subscribe(subjects.presenceEvents, {
      queue: 'presence',
      callback: (error, message) => {
        if (!error) this.onEvent(decodeJson<PresenceEvent>(message.data));
      },
    });
    await nc.flush();
    if (this.options.httpPort !== undefined) {
      this.server = await startHealthServer(
        this.options.httpPort,
        this.options.httpHost ?? '127.0.0.1',
        this.registry,
        {
          healthy: () => !this.stopping,
          ready: () => serviceProblems(this.clients!),
        },
      );
    }
    this.every(this.options.dueTickMs ?? 1000, () => this.checkDue());
    this.every(this.options.reapTickMs ?? 1000, () => this.reapAndMeasure());
    this.nodeLease = await NodeLease.start(
      redis,
      config,
      'presence',
      { adminUrl: listenerUrl(this.server) ?? this.options.adminUrl },
      log,
    );
    log.info({ port: portOf(this.server) }, 'presence started');
  }

  /** Runs `work` every `ms`, never two at once. */
  private every(ms: number, work: () => Promise<void>): void {
    let running = false;
    this.timers.push(
      setInterval(() => {
        if (running || this.stopping) return;
        running = true;
        work()
          .catch((error: unknown) => this.options.log.warn({ err: error }, 'presence tick failed'))
          .finally(() => (running = false));
      }, ms),
    );
  }

  private async aliveNodes(): Promise<string[]> {
    const now = Date.now();
    // Gateway leases change on a scale of seconds; a 250 ms view saves a round trip per event.
    if (now - this.alive.at > 250) this.alive = { at: now, nodes: await this.store!.aliveNodes(now) };
    return this.alive.nodes;
  }

  private onEvent(event: PresenceEvent): void {
    this.metrics!.events.inc({ kind: event.kind });
    if (event.kind === 'reveal') {
      this.reveal(event.reveals).catch((error: unknown) =>
        this.options.log.warn({ err: error, event }, 'presence event failed'),
      );
    } else if (event.kind === 'connect') {
      this.evaluations
        .submit({ user: event.user, eventAt: event.at })
        .catch((error: unknown) => this.options.log.warn({ err: error, event }, 'presence event failed'));
    } else {
      const due = event.at + this.options.config.presenceGraceMs;
      this.departures
        .submit({ user: event.user, at: event.at, due })
        .then(() => this.checkAt(event.user, due))
        .catch((error: unknown) => this.options.log.warn({ err: error, event }, 'presence event failed'));
    }
  }

  private readonly pendingChecks = new Set<NodeJS.Timeout>();

  /** Checks a user at its due time, if no other worker took the check first. */
  private checkAt(user: string, due: number): void {
    const timer = setTimeout(
      () => {
        this.pendingChecks.delete(timer);
        // Claimed as of its own due time: a timer that fires a little early (or a gateway clock a
        // little ahead) still takes it; a later disconnect that moved the check is left alone.
        void this.store!.claimIfDue(user, Math.max(due, Date.now()))
          .then((claimed) => (claimed ? this.evaluations.submit({ user }) : undefined))
          .catch((error: unknown) => this.options.log.warn({ err: error, user }, 'presence check failed'));
      },
      Math.max(0, due - Date.now()),
    );
    this.pendingChecks.add(timer);
  }

  private async checkDue(): Promise<void> {
    const due = await this.store!.claimDue(Date.now());
    await Promise.all(due.map((user) => this.evaluations.submit({ user })));
  }

  /**
   * Recomputes users' statuses (one Redis round trip for the lot); tells each changed user's
   * co-members' online devices (one audience query and one delivery for the lot). One batch at a
   * time, so the changes of a user are published in the order they were computed.
   */
  private async evaluateBatch(requests: readonly Evaluation[]): Promise<undefined[]> {
    const now = Date.now();
    // The alive-node view may predate a gateway that just started: refresh it for connects.
    if (requests.some((request) => request.eventAt !== undefined)) this.alive.at = 0;
    const alive = await this.aliveNodes();
    const users = [...new Set(requests.map((request) => request.user))];
    const changes = (await this.store!.evaluateMany(users, alive, now)).filter((change) => change !== undefined);
    const earliestEvent = new Map<string, number>();
    for (const { user, eventAt } of requests) {
      const seen = earliestEvent.get(user);
      if (eventAt !== undefined && (seen === undefined || eventAt < seen)) earliestEvent.set(user, eventAt);
    }
    for (const change of changes) {
      this.metrics!.changes.inc({ status: change.status });
      const eventAt = earliestEvent.get(change.user);
      if (eventAt !== undefined) this.metrics!.changeSeconds.observe(Math.max(0, Date.now() - eventAt) / 1000);
    }
    await this.publish(changes);
    return requests.map(() => undefined);
  }

  private async publish(changes: PresenceStatus[]): Promise<void> {
    if (changes.length === 0) return;
    const audiences = await this.rooms!.presenceAudiences(
      changes.map((change) => change.user),
      this.options.config.presenceFanoutMax,
    );
    const outgoing = changes.flatMap((change, i) => {
      const users = audiences[i]!;
      this.metrics!.fanoutSize.observe(users.length);
      return users.length === 0 ? [] : [{ users, frame: JSON.stringify({ type: 'presence', users: [change] }) }];
    });
    if (outgoing.length > 0) await this.deliverer!.deliver(outgoing);
  }

  /** Devices that went away: their last-seen times and grace checks, one round trip per batch. */
  private async recordDepartures(departures: readonly Departure[]): Promise<undefined[]> {
    await this.store!.recordDepartures(departures);
    return departures.map(() => undefined);
  }

  /**
   * Tells users who may now see another's presence (its first message in a direct room with
   * them) its current status: one Redis round trip and one delivery for the whole event.
   */
  private async reveal(reveals: PresenceReveal[]): Promise<void> {
    const now = Date.now();
    const statuses = await this.store!.read(
      reveals.map((reveal) => reveal.user),
      new Set(await this.aliveNodes()),
      now,
    );
    await this.deliverer!.deliver(
      reveals.map((reveal, i) => ({
        users: reveal.to,
        frame: JSON.stringify({ type: 'presence', users: [statuses[i]!] }),
      })),
    );
  }

  /** Finds gateways whose lease expired, drops their routes, and schedules their users' checks. */
  private async reapAndMeasure(): Promise<void> {
    const { config, log } = this.options;
    const store = this.store!;
    const now = Date.now();
    for (const { node, lastHeartbeat } of await store.deadNodes(now, config.presenceTimeoutMs)) {
      if (this.busy.has(node) || !(await store.claimReap(node))) continue;
      this.busy.add(node);
      try {
        const users = await store.nodeUsers(node);
        const due = now + config.presenceGraceMs;
        // In slices: a dead gateway process held up to ~20,000 users, one pipeline each slice.
        for (let i = 0; i < users.length; i += REAP_SLICE) {
          const slice = users.slice(i, i + REAP_SLICE);
          const removed = await store.reapUsers(slice, node, lastHeartbeat);
          const reaped = slice.filter((_, j) => removed[j]! > 0);
          await store.scheduleChecks(reaped, due);
          for (const user of reaped) this.checkAt(user, due);
        }
        await store.removeNode(node);
        this.metrics!.reapedNodes.inc();
        log.warn({ node, users: users.length }, 'gateway lease expired; its devices are offline unless they reconnect');
      } finally {
        this.busy.delete(node);
      }
    }
    const alive = await store.aliveNodes(now);
    this.alive = { at: now, nodes: alive };
    this.metrics!.onlineUsers.set(await store.onlineUsers());
    this.metrics!.onlineDevices.set(await store.onlineDevices(alive));
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const timer of this.timers) clearInterval(timer);
    for (const timer of this.pendingChecks) clearTimeout(timer);
    this.subscription?.unsubscribe();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.nodeLease?.stop();
    await this.clients?.close();
    this.options.log.info('presence stopped');
  }
}
