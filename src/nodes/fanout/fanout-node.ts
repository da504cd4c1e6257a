import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { RedisHistoryCache } from '../../core/cache/history-cache.js';
import { encodeJson } from '../../core/bus/envelopes.js';
import { ensurePushStream, ensureSendStream } from '../../core/bus/nats.js';
import type { RevealEvent } from '../../core/presence/presence-events.js';
import { RedisPresenceStore } from '../../core/presence/presence-store.js';
import { PushEnqueuer } from './push-enqueuer.js';
import { Subjects } from '../../core/bus/subjects.js';
import type { ClusterConfig } from '../../core/config/cluster-config.js';
import { portOf, startHealthServer } from '../../core/observability/health-server.js';
import { createRegistry } from '../../core/observability/metrics.js';
import { createHopTimers } from '../../core/observability/message-hops.js';
import { listenerUrl, NodeLease } from '../../core/registry/node-lease.js';
import { RecentTraces, type FanoutTrace, type TraceSource } from '../../core/observability/recent-traces.js';
import { Deliverer } from '../../core/routing/deliverer.js';
import { RedisRouteRegistry } from '../../core/routing/route-registry.js';
import { connectServices, serviceProblems, type ServiceClients } from '../../core/services/service-clients.js';
import { BatchPublisher } from './batch-publisher.js';
import { CommitCoalescer } from './commit-coalescer.js';
import { settleWithin } from './settle-within.js';
import { GatewayCensus } from './gateway-census.js';
import { createFanoutMetrics, type FanoutMetrics } from './fanout-metrics.js';
import { fairShare, PartitionLeases } from './partition-leases.js';
import { PartitionWorker, type PartitionWorkerDeps } from './partition-worker.js';
import { RoomSequencer } from './room-sequencer.js';
import { registerSendBacklogGauges } from './send-backlog-gauges.js';

export interface FanoutOptions {
  config: ClusterConfig;
  log: Logger;
  /** Port of /healthz, /readyz, /metrics (default: none when undefined). */
  httpPort?: number;
  httpHost?: string;
  /** Where its /metrics and /readyz answer without a listener of its own (`chat-node dev`: the gateway's admin listener). */
  adminUrl?: string;
  registry?: Registry;
  /** How often leases are renewed and rebalanced (default 1000 ms). */
  leaseTickMs?: number;
  leaseTtlMs?: number;
}

/**
 * The fan-out role: holds a fair share of the send partitions (leases in Postgres), and runs
 * one PartitionWorker per partition held.
 */
export class FanoutNode {
  private clients?: ServiceClients;
  private leases?: PartitionLeases;
  private nodeLease?: NodeLease;
  private readonly workers = new Map<number, PartitionWorker>();
  private workerDeps?: Omit<PartitionWorkerDeps, 'onFenced'>;
  private timer?: NodeJS.Timeout;
  private renewing?: Promise<void>;
  private rebalancing?: Promise<void>;
  private server?: Server;
  private metrics?: FanoutMetrics;
  private census?: GatewayCensus;
  private stopping = false;
  readonly registry: Registry;
  /** The newest messages' hops through this fan-out (GET /trace). */
  readonly traces = new RecentTraces<FanoutTrace>();

  constructor(private readonly options: FanoutOptions) {
    this.registry = options.registry ?? createRegistry('fanout', options.config.nodeId);
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    this.clients = await connectServices(config, `fanout:${config.nodeId}`, 8, { genericPlans: true });
    const { pool, redis, nc } = this.clients;
    const subjects = new Subjects(config.namespace, config.partitions);
    const jsm = await ensureSendStream(nc, subjects, config.streamReplicas);
    await ensurePushStream(nc, subjects, config.streamReplicas);
    const metrics = (this.metrics = createFanoutMetrics(this.registry));
    registerSendBacklogGauges(this.registry, jsm, subjects, () => this.partitionsHeld);
    // One owner name per incarnation: a fan-out restarted under the same node id must not take
    // the leases its crashed predecessor left for its own (it would hold them without workers).
    const owner = `${config.nodeId}#${randomBytes(3).toString('hex')}`;
    this.leases = new PartitionLeases(pool, owner, config.partitions, this.options.leaseTtlMs);
    await this.leases.ensurePartitions();
    const js = jetstream(nc);
    const routes = new RedisRouteRegistry(redis, config.namespace);
    const presence = new RedisPresenceStore(redis, config.namespace);
    const census = (this.census = new GatewayCensus(
      async () => (await presence.aliveNodes(Date.now())).length,
      config.broadcastGateways,
      (broadcast, alive) => {
        metrics.broadcastDeliveries.set(broadcast ? 1 : 0);
        log.info(
          { aliveGateways: alive, broadcastGateways: config.broadcastGateways },
          broadcast
            ? 'delivering each batch to every gateway node, then looking its routes up'
            : 'delivering each batch by route (more gateway processes alive than --broadcast-gateways)',
        );
      },
    ));
    await census.refresh();
    this.workerDeps = {
      subjects,
      jsm,
      js,
      committer: new CommitCoalescer(new RoomSequencer(pool), {
        onStatement: (sends) => metrics.statementSize.observe(sends),
      }),
      publisher: new BatchPublisher(
        new Deliverer(nc, subjects, routes),
        routes,
        new RedisHistoryCache(redis, config.namespace),
        log,
        {
          broadcast: () => census.broadcast,
          announceReveals: (reveals) =>
            nc.publish(
              subjects.presenceEvents,
              encodeJson({ kind: 'reveal', reveals, at: Date.now() } satisfies RevealEvent),
            ),
        },
      ),
      metrics,
      hops: createHopTimers(this.registry, 'fanout'),
      traces: this.traces,
      pushes: new PushEnqueuer({
        js,
        subjects,
        presence,
        policy: config.pushPolicy,
        activeWindowSec: config.pushActiveWindowSec,
        metrics: this.metrics,
        log,
      }),
      log,
      owner,
    };
    if (this.options.httpPort !== undefined) {
      this.server = await startHealthServer(
        this.options.httpPort,
        this.options.httpHost ?? '127.0.0.1',
        this.registry,
        {
          healthy: () => !this.stopping,
          ready: async () => [
            ...(await serviceProblems(this.clients!)),
            ...(this.workers.size === 0 ? ['no partitions held'] : []),
          ],
        },
        () => [this.traceSource],
      );
    }
    // Counted as live first, so that the other fan-outs' fair share leaves room for this one
    // before the partitions of a crashed earlier run of this node become free.
    await this.leases.heartbeat();
    const reclaimed = await this.leases.releasePredecessors(config.nodeId);
    if (reclaimed.length > 0)
      log.info({ partitions: reclaimed }, 'freed the partitions a crashed earlier run of this node held');
    await this.tick();
    const tickMs = this.options.leaseTickMs ?? 1000;
    this.timer = setInterval(() => void this.tick(), tickMs);
    this.nodeLease = await NodeLease.start(
      redis,
      config,
      'fanout',
      { adminUrl: listenerUrl(this.server) ?? this.options.adminUrl },
      log,
    );
    log.info({ partitions: [...this.workers.keys()], port: portOf(this.server) }, 'fanout started');
  }

  /** This fan-out's part of message traces. */
  get traceSource(): TraceSource {
    return {
      node: this.options.config.nodeId,
      role: 'fanout',
      find: (msgId) => {
        const fanout = this.traces.get(msgId);
        return fanout ? { fanout } : undefined;
      },
    };
  }

  get partitionsHeld(): number[] {
    return [...this.workers.keys()].sort((a, b) => a - b);
  }

  /**
   * One lease tick: renew, then rebalance. Renewal has its own turn and never waits behind
   * worker start-ups: starting a worker re-creates its JetStream consumer, which takes seconds
   * while a NATS cluster elects leaders, and sixteen of those in a row outlasted the 5 s leases,
   * so every lease lapsed together, round after round.
   */
  private async tick(): Promise<void> {
    void this.census?.refresh();
    await (this.renewing ??= this.renewLeases().finally(() => (this.renewing = undefined)));
    this.rebalancing ??= this.rebalance().finally(() => (this.rebalancing = undefined));
    await this.rebalancing;
  }

  /** Renew what we hold; stop the workers of leases that lapsed (another worker may own them now). */
  private async renewLeases(): Promise<void> {
    if (this.stopping || !this.leases) return;
    try {
      const held = new Set((await this.leases.renew([...this.workers.keys()])).map((lease) => lease.partition));
      for (const partition of [...this.workers.keys()]) {
        if (held.has(partition)) continue;
        this.options.log.warn({ partition }, 'partition lease lapsed; stopping its worker');
        void this.stopWorker(partition, false);
      }
    } catch (error) {
      this.options.log.error({ err: error }, 'lease renewal failed');
    }
  }

  /** Give back extras, take free partitions up to a fair share, start their workers side by side. */
  private async rebalance(): Promise<void> {
    if (this.stopping || !this.leases) return;
    const { log, config } = this.options;
    try {
      const share = fairShare(config.partitions, (await this.leases.heartbeat()) + 1);
      const extra = this.workers.size - share;
      if (extra > 0) {
        const giveBack = [...this.workers.keys()].sort((a, b) => b - a).slice(0, extra);
        for (const partition of giveBack) await this.stopWorker(partition, true);
        log.info({ partitions: giveBack }, 'released partitions to rebalance');
      }
      const leases = await this.leases.acquire(share - this.workers.size);
      await Promise.all(
        leases.map(async (lease) => {
          const worker = new PartitionWorker(lease.partition, lease.epoch, {
            ...this.workerDeps!,
            onFenced: (partition) => void this.stopWorker(partition, false),
          });
          this.workers.set(lease.partition, worker);
          try {
            await worker.start();
            log.info({ partition: lease.partition, epoch: lease.epoch }, 'took partition');
          } catch (error) {
            log.error({ err: error, partition: lease.partition }, 'could not start partition worker');
            await this.stopWorker(lease.partition, true);
          }
        }),
      );
      this.metrics?.partitionsOwned.set(this.workers.size);
    } catch (error) {
      log.error({ err: error }, 'lease tick failed');
    }
  }

  private async stopWorker(partition: number, release: boolean): Promise<void> {
    const worker = this.workers.get(partition);
    if (!worker) return;
    this.workers.delete(partition);
    await worker.stop();
    if (release) await this.leases?.release([partition]).catch(() => {});
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all([this.renewing, this.rebalancing]);
    const held = [...this.workers.keys()];
    await Promise.all(held.map((partition) => this.workers.get(partition)!.stop()));
    this.workers.clear();
    // Cache writes still gathering: best effort, and a Redis out of reach must not hold the stop.
    if (this.workerDeps) await settleWithin(this.workerDeps.publisher.flush(), 1000);
    await this.leases?.release(held).catch(() => {});
    await this.leases?.leave().catch(() => {});
    await this.nodeLease?.stop();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.clients?.close();
    this.options.log.info('fanout stopped');
  }
}
