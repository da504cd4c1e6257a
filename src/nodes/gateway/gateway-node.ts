import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import type { Msg, Subscription } from '@nats-io/transport-node';
import { TokenVerifier } from '../../core/auth/jwt.js';
import { TokenRevocations } from '../../core/auth/revocations.js';
import { RedisHistoryCache } from '../../core/cache/history-cache.js';
import { decodeJson, type NodeEnvelope } from '../../core/bus/envelopes.js';
import { ensureSendStream, retryingPublishes } from '../../core/bus/nats.js';
import { JetStreamPublisher } from '../../core/bus/stream-publisher.js';
import { JetStreamSendBus } from '../../core/bus/send-bus.js';
import { Subjects } from '../../core/bus/subjects.js';
import { NatsLinkWatch } from './nats-link-watch.js';
import { OverdueAcks } from './overdue-acks.js';
import type { ClusterConfig } from '../../core/config/cluster-config.js';
import { healthHandler, portOf, startAdminServer } from '../../core/observability/health-server.js';
import { createRegistry } from '../../core/observability/metrics.js';
import { listenerUrl, NodeLease } from '../../core/registry/node-lease.js';
import { createHopTimers, preciseNow } from '../../core/observability/message-hops.js';
import { RecentTraces, type GatewayWrite, type TraceSource } from '../../core/observability/recent-traces.js';
import { CLOSE_CODES } from '../../core/protocol/errors.js';
import { WS_PATH } from '../../core/protocol/limits.js';
import { encodeJson } from '../../core/bus/envelopes.js';
import type { DeviceEvent } from '../../core/presence/presence-events.js';
import { RedisPresenceStore, type PresenceStore } from '../../core/presence/presence-store.js';
import { Deliverer } from '../../core/routing/deliverer.js';
import {
  RedisRouteRegistry,
  type DeviceRoute,
  type Registration,
  type RouteRegistry,
} from '../../core/routing/route-registry.js';
import { Coalescer } from '../../core/batching/coalescer.js';
import { defaultMaxConnections, openFileLimit } from '../../core/process/open-file-limit.js';
import { connectServices, serviceProblems, type ServiceClients } from '../../core/services/service-clients.js';
import { MessageReader } from './message-reader.js';
import { MessageStore } from '../../core/storage/message-store.js';
import { PushStore } from '../../core/storage/push-store.js';
import { RoomStore } from '../../core/storage/room-store.js';
import { ClientConnection, type HandshakeStart } from './client-connection.js';
import { ClientListener } from './client-listener.js';
import type { GatewaySession, SessionHooks } from './gateway-session.js';
import type { GatewayContext } from './gateway-context.js';
import { GatewayLiveness, type RoutesGone } from './gateway-liveness.js';
import { createGatewayMetrics } from './gateway-metrics.js';
import { LocalSessions, type Session } from './local-sessions.js';
import { LongPollEndpoint } from './long-poll/long-poll-endpoint.js';
import { PendingHandshakes, addressKey } from './pending-handshakes.js';
import { RequestDispatcher } from './request-dispatcher.js';
import { UpgradeOrigins } from './upgrade-origins.js';
import { UserAdmission } from './user-admission.js';
import { DeviceTouches } from './device-touches.js';
import { SessionKicks } from './session-kicks.js';
import { defaultGatewayPoolSize } from './gateway-workers.js';
import { WebSocketUpgrade } from './websocket-upgrade.js';

/** The heartbeat pass runs in this many slices spread over heartbeatMs. */
const HEARTBEAT_SLICES = 10;
/** How often the gateway checks that Redis still holds its routes (gateway-marker). */
const ROUTE_CHECK_MS = 1000;

export interface GatewayOptions {
  config: ClusterConfig;
  log: Logger;
  port: number;
  host?: string;
  /**
   * Port of the admin listener: /metrics, /readyz, /trace (and /healthz). Not served on `port`:
   * clients must not read the metrics nor make the node run readiness queries. Default: none.
   */
  adminPort?: number;
  /** Address of the admin listener (default 127.0.0.1: reachable from this host only). */
  adminHost?: string;
  registry?: Registry;
  /** Registries whose metrics /metrics serves too (dev: the fan-out's, without default metrics). */
  extraRegistries?: Registry[];
  /** Other roles of this process whose message traces /trace serves too (dev: the fan-out's). */
  extraTraces?: TraceSource[];
  /** Serves /metrics with this instead (a worker of `--workers N`: the whole node's metrics). */
  metricsText?: () => Promise<string>;
  /** More metrics text for /metrics (dev: its role threads'). */
  moreMetrics?: () => Promise<string[]>;
  /** How often routes of held users are refreshed in Redis (default 1 h; they expire after 6 h). */
  routeRefreshMs?: number;
  /**
   * A send stored on the stream with no answer from the fan-out for this long is published again
   * (default 10 s: well above a loaded fan-out's commit latency, so normally it never fires).
   */
  answerOverdueMs?: number;
}

/** What GatewayNode.create() connects and loads before the node is built. */
interface GatewayServices {
  clients: ServiceClients;
  subjects: Subjects;
  revocations: TokenRevocations;
  verifier: TokenVerifier;
}

/**
 * The gateway role: clients' WebSocket connections and long-poll sessions in, their frames to
 * the right handlers, and deliveries from the cluster (one NATS subject per gateway node) out to
 * the sockets of the users held. Built by create() (services connected, the send stream ensured),
 * then start() listens.
 *
 * Over 400 lines: the role's wiring (create) and the life of its sessions (admission,
 * registration, departures, heartbeat, deliveries, shutdown), which share the node's session table
 * and draining state; the client listener, the upgrade and the liveness checks are modules of
 * their own.
 */
export class GatewayNode {
  readonly registry: Registry;
  private readonly clients: ServiceClients;
  private readonly ctx: GatewayContext;
  private readonly listener: ClientListener;
  private readonly upgrades: WebSocketUpgrade;
  private adminServer?: Server;
  private readonly subscriptions: Subscription[] = [];
  private readonly natsLink: NatsLinkWatch;
  private readonly routes: RouteRegistry;
  private readonly presence: PresenceStore;
  private readonly liveness: GatewayLiveness;
  private readonly dispatcher: RequestDispatcher;
  private readonly admission: UserAdmission;
  private readonly registrations: Coalescer<{ route: DeviceRoute; maxDevices: number }, Registration>;
  /** Routes of closed connections, written off together at the end of the event-loop turn. */
  private departing: DeviceRoute[] = [];
  private departuresFlush?: NodeJS.Immediate;
  private readonly deviceTouches: DeviceTouches;
  private readonly longPoll: LongPollEndpoint;
  private readonly kicks: SessionKicks;
  private nodeLease?: NodeLease;
  private readonly sessions = new LocalSessions();
  private readonly overdueAcks: OverdueAcks;
  /** The frames of the newest messages this gateway wrote to sockets (GET /trace). */
  private readonly traces = new RecentTraces<GatewayWrite[]>();
  private readonly timers: NodeJS.Timeout[] = [];
  /** Which heartbeat slice pings a session, given in turn so the slices stay even. */
  private readonly heartbeatSlots = new WeakMap<GatewaySession, number>();
  private nextHeartbeatSlot = 0;
  private connCounter = 0;
  private draining = false;

  /** Connects the services, loads the token revocations and makes sure the send stream exists. */
  static async create(options: GatewayOptions): Promise<GatewayNode> {
    const { config } = options;
    const clients = await connectServices(config, `gateway:${config.nodeId}`, defaultGatewayPoolSize());
    try {
      const subjects = new Subjects(config.namespace, config.partitions);
      // Operators' revocations (Postgres), mirrored in memory: the token check at hello costs no round trip.
      const revocations = new TokenRevocations(clients.pool);
      await revocations.load();
      const verifier = await TokenVerifier.create(config.jwt, { refusal: (identity) => revocations.refusal(identity) });
      await ensureSendStream(clients.nc, subjects, config.streamReplicas);
      return new GatewayNode(options, { clients, subjects, revocations, verifier });
    } catch (error) {
      await clients.close().catch(() => {});
      throw error;
    }
  }

  private constructor(
    private readonly options: GatewayOptions,
    services: GatewayServices,
  ) {
    const { config, log } = options;
    const { clients, subjects, revocations, verifier } = services;
    const { pool, redis, nc } = clients;
    this.clients = clients;
    this.registry = options.registry ?? createRegistry('gateway', config.nodeId);
    this.overdueAcks = new OverdueAcks(options.answerOverdueMs ?? 10_000);
    this.kicks = new SessionKicks(nc, subjects.gatewayControl, this.sessions, revocations, log);
    const routes = (this.routes = new RedisRouteRegistry(redis, config.namespace));
    const presence = (this.presence = new RedisPresenceStore(redis, config.namespace));
    // Hellos that arrive while a registration round trip runs share the next one (a connect storm
    // is thousands a second; one pipeline each was a Redis write and read per device).
    this.registrations = new Coalescer(
      (requests) =>
        routes.registerAllWithin(requests, (pipeline, route) =>
          presence.addNodeUserIn(pipeline, route.node, route.user),
        ),
      { maxInFlight: 1, maxWeight: 500 },
    );
    this.admission = new UserAdmission(config, (user, device, maxDevices, conn) =>
      this.registerDevice(user, device, maxDevices, conn),
    );
    this.deviceTouches = new DeviceTouches(new RoomStore(pool), log);
    this.liveness = new GatewayLiveness({
      nodeId: config.nodeId,
      presenceTimeoutMs: config.presenceTimeoutMs,
      presence,
      routes,
      connections: () => this.sessions.connectionCount,
      onRoutesGone: (why) => this.restoreRoutes(why),
    });
    const messages = new MessageStore(pool);
    const metrics = createGatewayMetrics(this.registry);
    this.ctx = {
      config,
      log,
      rooms: new RoomStore(pool),
      messages,
      reader: new MessageReader(messages, new RedisHistoryCache(redis, config.namespace)),
      deliverer: new Deliverer(nc, subjects, routes),
      // Sends ride out a stream without a leader (a NATS restart) here rather than in their clients' backoff.
      sends: new JetStreamSendBus(retryingPublishes(new JetStreamPublisher(nc, 5000)), subjects),
      subjects,
      sessions: this.sessions,
      metrics,
      hops: createHopTimers(this.registry, 'gateway'),
      presence,
      push: new PushStore(pool),
      overdueAcks: this.overdueAcks,
    };
    this.natsLink = new NatsLinkWatch(nc, {
      onCutOff: (silentMs) => this.cutOffFromNats(silentMs),
      onRestored: (silentMs) => log.warn({ silentMs }, 'NATS answers again: taking clients again'),
      // A membership hint lost in the gap would leave a removed member cached as one.
      onGap: () => this.sessions.forgetMemberships(),
    });
    const dispatcher = (this.dispatcher = new RequestDispatcher(this.ctx));
    const hooks: SessionHooks = {
      attach: (session) => this.attach(session),
      detach: (session) => this.detach(session),
      dispatch: dispatcher.dispatch.bind(dispatcher),
    };
    const pending = new PendingHandshakes(config.maxPendingPerIp);
    const longPoll = (this.longPoll = new LongPollEndpoint({
      ctx: this.ctx,
      verifier,
      hooks,
      log,
      nc,
      settings: {
        pollTimeoutMs: config.pollTimeoutMs,
        corsOrigins: config.corsOrigins,
        lingerMs: config.presenceTimeoutMs,
      },
      nextConnId: () => `${config.nodeId}-${++this.connCounter}`,
      draining: () => this.draining,
      cutOff: () => this.natsLink.cutOff,
      full: () => (this.listener.full ? this.listener.fullMessage : undefined),
      tooManyPending: (remoteAddress) => pending.isFull(addressKey(remoteAddress)),
    }));
    this.listener = new ClientListener({
      maxConnections: config.maxConnections ?? defaultMaxConnections(openFileLimit()),
      helloTimeoutMs: config.helloTimeoutMs,
      longPoll,
      onUpgrade: (req, socket, head) => this.upgrades.handle(req, socket, head),
    });
    this.upgrades = new WebSocketUpgrade({
      maxFrameBytes: config.limits.maxFrameBytes,
      maxPendingPerIp: config.maxPendingPerIp,
      listener: this.listener,
      pending,
      origins: new UpgradeOrigins(config.corsOrigins),
      metrics,
      unavailable: () =>
        this.draining
          ? 'this gateway is shutting down; connect to another'
          : this.natsLink.cutOff
            ? 'this gateway cannot reach the message bus; connect to another'
            : undefined,
      open: (ws: WebSocket, start: HandshakeStart) => {
        new ClientConnection(`${config.nodeId}-${++this.connCounter}`, ws, this.ctx, verifier, hooks, start);
      },
    });
    this.gauges(pending);
  }

  get port(): number {
    return this.listener.port ?? this.options.port;
  }

  /** The admin listener's port (undefined without one). */
  get adminPort(): number | undefined {
    return portOf(this.adminServer) ?? this.options.adminPort;
  }

  /** Registers this node, subscribes to its deliveries, then listens on the client and admin ports. */
  async start(): Promise<void> {
    const { config, log } = this.options;
    const { redis, nc } = this.clients;
    const { subjects } = this.ctx;
    // The lease first: a device registered on a node without one would count as offline.
    await this.liveness.renewLease();
    this.overdueAcks.start();
    const onEnvelope = (error: Error | null, message: Msg): void => {
      if (!error) this.onEnvelope(decodeJson<NodeEnvelope>(message.data));
    };
    // What a fan-out that cannot read the routes (Redis out of reach) delivers to every gateway
    // comes on the second subject; same connection and callback, so envelopes apply in the order sent.
    this.subscriptions.push(
      nc.subscribe(subjects.node(config.nodeId), { callback: onEnvelope }),
      nc.subscribe(subjects.allNodes, { callback: onEnvelope }),
    );
    this.kicks.start();
    await nc.flush();
    this.natsLink.start();
    await this.listener.listen(this.options.port, this.options.host ?? '0.0.0.0');
    // After the client port: a supervisor of --workers tells the two apart by their order.
    if (this.options.adminPort !== undefined)
      this.adminServer = await startAdminServer(
        this.options.adminPort,
        this.options.adminHost ?? '127.0.0.1',
        this.healthHandler(),
      );
    let slice = 0;
    this.timers.push(
      setInterval(
        () => this.heartbeat(slice++ % HEARTBEAT_SLICES),
        Math.max(1, Math.floor(config.heartbeatMs / HEARTBEAT_SLICES)),
      ),
    );
    this.timers.push(
      setInterval(
        () => void this.routes.refresh(this.sessions.users()).catch(() => {}),
        this.options.routeRefreshMs ?? 3_600_000,
      ),
    );
    await this.liveness.checkRoutes();
    this.timers.push(setInterval(() => void this.liveness.checkRoutes(), ROUTE_CHECK_MS));
    this.nodeLease = await NodeLease.start(
      redis,
      config,
      'gateway',
      { adminUrl: listenerUrl(this.adminServer), clientUrl: listenerUrl(this.listener.server, 'ws', WS_PATH) },
      log,
    );
    log.info({ port: this.port, adminPort: this.adminPort, path: WS_PATH }, 'gateway listening');
  }

  private healthHandler(): ReturnType<typeof healthHandler> {
    return healthHandler(
      [this.registry, ...(this.options.extraRegistries ?? [])],
      { healthy: () => true, ready: () => this.readiness() },
      {
        metricsText: this.options.metricsText,
        moreMetrics: this.options.moreMetrics,
        traces: () => [this.traceSource, ...(this.options.extraTraces ?? [])],
        readyCacheMs: 1000,
      },
    );
  }

  /** Gauges counted when scraped. */
  private gauges(pending: PendingHandshakes): void {
    const { longPoll } = this;
    new Gauge({
      name: 'chat_gateway_long_poll_held_polls',
      help: 'Long-poll GET /v1/poll requests held open by this gateway process (its connections gauge counts long-poll sessions too)',
      registers: [this.registry],
      collect() {
        this.set(longPoll.heldPolls);
      },
    });
    new Gauge({
      name: 'chat_gateway_pending_handshakes',
      help: 'WebSocket connections of this gateway process upgraded but without hello yet (--max-pending-per-ip caps them per client address)',
      registers: [this.registry],
      collect() {
        this.set(pending.total);
      },
    });
  }

  /**
   * Admits the device (a refused one leaves no trace) and registers it: its route and this node's
   * user set are written by the admission's one round trip, before welcome, so anything committed
   * from now on is delivered live and sync (after welcome) covers the rest. The user's rooms are
   * not read here: the membership cache fills from sync and from Postgres on a miss.
   */
  private async attach(session: Session): Promise<void> {
    await this.admission.admit(session.user, session.device, session.connId);
    const ctx = this.ctx;
    this.deviceTouches.touch(session.user, session.device);
    this.sessions.add(session);
    this.publishPresence('connect', session);
    ctx.metrics.connections.set(this.sessions.connectionCount);
    ctx.metrics.users.set(this.sessions.userCount);
  }

  /**
   * The route and this node's user set, written in the round trip that counts the user's other
   * devices. A refused device takes its route back (registerWithin) and, unless the user holds
   * another connection here (admitted or being admitted), its entry in the node's user set too:
   * a refused hello leaves no trace.
   */
  private async registerDevice(
    user: string,
    device: string,
    maxDevices: number,
    conn?: string,
  ): Promise<{ registered: boolean; otherDevices: number }> {
    const { nodeId } = this.options.config;
    const { presence } = this;
    const route = conn === undefined ? { user, device, node: nodeId } : { user, device, node: nodeId, conn };
    const result = await this.registrations.submit({ route, maxDevices });
    // heldBy counts this hello's own slot, taken before the registration and given back after it.
    if (!result.registered && this.admission.heldBy(user) <= 1) await presence.removeNodeUser(nodeId, user);
    return result;
  }

  private detach(session: Session): void {
    const ctx = this.ctx;
    this.admission.release(session.user);
    this.sessions.remove(session);
    const { nodeId } = this.options.config;
    // Its own route only (one per connection): a newer connection of the device, here or being
    // admitted here right now, keeps its own.
    if (!this.draining)
      this.unregisterSoon({ user: session.user, device: session.device, node: nodeId, conn: session.connId });
    this.publishPresence('disconnect', session);
    ctx.metrics.connections.set(this.sessions.connectionCount);
    ctx.metrics.users.set(this.sessions.userCount);
  }

  private unregisterSoon(route: DeviceRoute): void {
    this.departing.push(route);
    this.departuresFlush ??= setImmediate(() => this.flushDepartures());
  }

  /**
   * One Redis round trip for the connections that closed in a turn (a storm closes thousands a
   * second): their routes, and this node's user-set entries of the users who hold no connection
   * here any more. A user with a hello in flight (heldBy counts it from before its registration)
   * keeps its entry: its registration's SADD may already have gone out ahead of this SREM.
   */
  private flushDepartures(): void {
    this.departuresFlush = undefined;
    const routes = this.departing;
    this.departing = [];
    if (routes.length === 0 || this.draining) return;
    const { nodeId } = this.options.config;
    const gone = [...new Set(routes.map((route) => route.user))].filter((user) => this.admission.heldBy(user) === 0);
    void this.routes
      .unregisterAll(routes, (pipeline) => {
        for (const user of gone) this.presence.removeNodeUserIn(pipeline, nodeId, user);
      })
      .catch(() => {});
  }

  private onEnvelope(envelope: NodeEnvelope): void {
    const ctx = this.ctx;
    const { publishedAt } = envelope;
    for (const delivery of envelope.deliveries) {
      let written = 0;
      for (const user of delivery.users) {
        const { membership } = delivery;
        if (membership)
          this.sessions.setMember(user, membership.room, membership.members.includes(user), membership.version);
        for (const session of this.sessions.sessionsOf(user)) {
          if (session.connId !== delivery.exceptConn && session.write(delivery.frame)) {
            written++;
            if (delivery.msgId && publishedAt !== undefined)
              this.traceWrite(delivery.msgId, 'msg', session, publishedAt);
          }
        }
      }
      if (written > 0 && delivery.msgId && publishedAt !== undefined)
        ctx.hops.write.observe(Math.max(0, preciseNow() - publishedAt) / 1000);
    }
    for (const reply of envelope.replies) {
      if (reply.clientMsgId !== undefined) this.overdueAcks.settle(reply.conn, reply.clientMsgId);
      const session = this.sessions.byConnection(reply.conn);
      if (!session?.write(reply.frame)) continue;
      if (reply.receivedAt !== undefined) {
        ctx.metrics.acks.inc();
        ctx.metrics.ackSeconds.observe(Math.max(0, preciseNow() - reply.receivedAt) / 1000);
      }
      if (reply.msgId && publishedAt !== undefined) this.traceWrite(reply.msgId, 'ack', session, publishedAt);
    }
  }

  private traceWrite(msgId: string, frame: GatewayWrite['frame'], session: Session, publishedAt: number): void {
    const write: GatewayWrite = {
      frame,
      user: session.user,
      device: session.device,
      conn: session.connId,
      publishedAt,
      writtenAt: preciseNow(),
    };
    const writes = this.traces.get(msgId);
    if (writes) writes.push(write);
    else this.traces.set(msgId, [write]);
  }

  /** This gateway's part of message traces. */
  get traceSource(): TraceSource {
    return {
      node: this.options.config.nodeId,
      role: 'gateway',
      find: (msgId) => {
        const writes = this.traces.get(msgId);
        return writes ? { writes } : undefined;
      },
    };
  }

  private publishPresence(kind: DeviceEvent['kind'], session: Session): void {
    const event: DeviceEvent = {
      kind,
      user: session.user,
      device: session.device,
      node: this.options.config.nodeId,
      at: Date.now(),
    };
    try {
      this.clients.nc.publish(this.ctx.subjects.presenceEvents, encodeJson(event));
    } catch {
      // NATS is closed (shutdown): presence learns of it from the lease instead.
    }
  }

  /**
   * Redis lost what this gateway wrote (restart without persistence, FLUSHALL): without its
   * routes the fan-out finds none of its devices, and what was committed meanwhile reached
   * nobody live. Every client reconnects (jittered, like a drain): its hello writes the route
   * and the node's user again, and its sync brings what it missed.
   */
  private restoreRoutes(why: RoutesGone): void {
    const sessions = [...this.sessions.all()] as GatewaySession[];
    this.sendAway(sessions, reconnectSpreadMs(sessions.length), 'routing state lost; reconnect and sync');
    if (sessions.length === 0) return;
    const message =
      why === 'lost'
        ? "Redis had lost this gateway's routes"
        : 'presence had reaped this gateway as dead (its lease lapsed) and dropped its routes';
    this.options.log.warn({ sessions: sessions.length }, `${message}: asked its clients to reconnect and sync`);
  }

  /**
   * No PING through to NATS for 3 s (6 s while nats.js reconnects; nats-link-watch.ts): a
   * partition between this gateway and NATS. Nothing its clients send can be queued durably
   * (their sends wait, then get `unavailable`; never an ack), and nothing committed reaches them
   * live. So they go (goaway, jittered over 1.5 s: they were stuck, unlike a planned drain's) to
   * a gateway that can, resend their unacked sends there (same clientMsgId: JetStream or the
   * database de-duplicates those that did get through) and sync; until NATS answers, this
   * gateway refuses new WebSockets and is not ready. Should every gateway be cut off (all of
   * NATS down for longer), the clients bounce between them with their backoff and sync once
   * NATS is back: churn, but nothing lost.
   */
  private cutOffFromNats(silentMs: number): void {
    const sessions = [...this.sessions.all()] as GatewaySession[];
    this.options.log.warn(
      { silentMs, sessions: sessions.length },
      'cut off from NATS: sending the clients to another gateway',
    );
    this.sendAway(
      sessions,
      reconnectSpreadMs(sessions.length),
      'this gateway cannot reach the message bus; reconnect elsewhere and sync',
    );
  }

  /** goaway with a jittered reconnect delay (so they do not all come back at once), then close with 1012. */
  private sendAway(sessions: GatewaySession[], maxReconnectDelayMs: number, reason: string): void {
    for (const session of sessions) {
      session.write(
        JSON.stringify({ type: 'goaway', reconnectInMs: 250 + Math.floor(Math.random() * maxReconnectDelayMs) }),
      );
      session.close(CLOSE_CODES.serviceRestart, reason);
    }
  }

  /** One pass over all connections per heartbeat: ping the live, drop the silent and the expired. */
  /**
   * One slice of the heartbeat: every heartbeatMs each session is pinged (or closed when silent
   * past the presence timeout, or when its token expired), a tenth of them at a time; the lease
   * and the presence sweep once per heartbeatMs. All at once, 17k pings left a worker together
   * and their pongs came back in one burst that delayed the messages queued behind it.
   */
  private heartbeat(slice: number): void {
    const now = Date.now();
    if (slice === 0) {
      void this.liveness
        .renewLease()
        .catch((error: unknown) => this.options.log.warn({ err: error }, 'could not renew the gateway lease'));
      this.dispatcher.presence.sweep(now);
    }
    const { presenceTimeoutMs } = this.options.config;
    for (const session of this.sessions.all()) {
      const connection = session as GatewaySession;
      let slot = this.heartbeatSlots.get(connection);
      if (slot === undefined) this.heartbeatSlots.set(connection, (slot = this.nextHeartbeatSlot++ % HEARTBEAT_SLICES));
      if (slot !== slice) continue;
      if (now >= connection.expiresAt) {
        connection.expire();
      } else if (now - connection.lastHeardAt > presenceTimeoutMs) {
        connection.closeOrCut(CLOSE_CODES.timeout, 'no pong within the presence timeout');
      } else {
        connection.ping();
      }
    }
  }

  /** Run by one /readyz at a time (the others share its answer, for a second after too). */
  private async readiness(): Promise<string[]> {
    const problems = this.draining ? ['draining'] : await serviceProblems(this.clients);
    if (this.natsLink?.cutOff) problems.push('nats unreachable');
    if (problems.length === 0) {
      // End to end means some fan-out worker holds every send partition.
      const result = await this.clients.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM fanout_partitions WHERE lease_until > now() AND partition < $1',
        [this.options.config.partitions],
      );
      const held = result.rows[0]?.n ?? 0;
      if (held < this.options.config.partitions)
        problems.push(`fanout holds ${held}/${this.options.config.partitions} partitions`);
    }
    return problems;
  }

  get connectionCount(): number {
    return this.sessions.connectionCount;
  }

  /**
   * Planned shutdown: refuse new connections, tell every client to reconnect elsewhere after a
   * jittered delay (so they do not all land on the next gateway at once), then close. The delay
   * is spread as for a gateway cut off (reconnectSpreadMs), not over a fixed 3 s: each client is
   * without live messages until it is back, and 3 s for a few hundred clients made a drain
   * disturb the traffic for 5 s when 0.5 s spreads them as well.
   */
  async stop(maxReconnectDelayMs?: number): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    for (const timer of this.timers) clearInterval(timer);
    this.overdueAcks.stop();
    this.natsLink.stop();
    const sessions = [...this.sessions.all()] as GatewaySession[];
    this.sendAway(sessions, maxReconnectDelayMs ?? reconnectSpreadMs(sessions.length), 'server restart');
    const { nodeId } = this.options.config;
    await Promise.all(
      sessions.map((session) =>
        this.routes
          .unregister({ user: session.user, device: session.device, node: nodeId, conn: session.connId })
          .catch(() => {}),
      ),
    );
    await this.presence.removeNode(this.options.config.nodeId).catch(() => {});
    await new Promise((resolve) => setTimeout(resolve, sessions.length > 0 ? 200 : 0));
    for (const session of this.sessions.all()) (session as GatewaySession).terminate();
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.kicks.stop();
    this.longPoll.stop();
    await this.deviceTouches.stop();
    await this.listener.close();
    await new Promise<void>((resolve) => (this.adminServer ? this.adminServer.close(() => resolve()) : resolve()));
    this.upgrades.close();
    await this.nodeLease?.stop();
    await this.clients.close();
    this.options.log.info('gateway stopped');
  }
}

/** Clients a gateway can take back per second when it sends them all away at once (about this box's connect rate). */
const RECONNECTS_PER_SECOND = 2000;

/**
 * The window a gateway spreads its clients' reconnects over when it sends them all away: long
 * enough that they come back at a rate the cluster can take, no longer (each client's wait is
 * time without live messages). 450 clients: 0.5 s; 6,000: 3 s; 60,000 or more: 30 s.
 */
export function reconnectSpreadMs(clients: number): number {
  return Math.min(30_000, Math.max(500, Math.round((clients / RECONNECTS_PER_SECOND) * 1000)));
}
