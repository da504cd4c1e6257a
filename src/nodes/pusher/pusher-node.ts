import { jetstream } from '@nats-io/jetstream';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { ensurePushStream } from '../../core/bus/nats.js';
import { Subjects } from '../../core/bus/subjects.js';
import type { ClusterConfig } from '../../core/config/cluster-config.js';
import { portOf, startHealthServer } from '../../core/observability/health-server.js';
import { createRegistry } from '../../core/observability/metrics.js';
import { listenerUrl, NodeLease } from '../../core/registry/node-lease.js';
import { connectServices, serviceProblems, type ServiceClients } from '../../core/services/service-clients.js';
import { PushStore } from '../../core/storage/push-store.js';
import { RoomStore } from '../../core/storage/room-store.js';
import { BadgeReader } from './badge-reader.js';
import type { RoomLabel } from './notification-template.js';
import { PlatformWorker } from './platform-worker.js';
import type { PushProvider } from './providers/index.js';
import { createPusherMetrics, type PusherMetrics } from './pusher-metrics.js';

export interface PusherOptions {
  config: ClusterConfig;
  log: Logger;
  /** The configured providers; a platform without one keeps its jobs queued. */
  providers: PushProvider[];
  /** Jobs of one device and room within this window become one notification (default 1000 ms). */
  collapseWindowMs?: number;
  /** Notifications in flight at once per platform (default 32). */
  concurrency?: number;
  httpPort?: number;
  httpHost?: string;
  /** Where its /metrics and /readyz answer without a listener of its own (`chat-node dev`: the gateway's admin listener). */
  adminUrl?: string;
  registry?: Registry;
}

/** The pusher role: one PlatformWorker per configured provider, on the push work queue. */
export class PusherNode {
  readonly registry: Registry;
  private clients?: ServiceClients;
  private readonly workers: PlatformWorker[] = [];
  private metrics?: PusherMetrics;
  private server?: Server;
  private nodeLease?: NodeLease;
  private timer?: NodeJS.Timeout;
  private stopping = false;
  private readonly labels = new Map<string, { at: number; label: RoomLabel }>();

  constructor(private readonly options: PusherOptions) {
    this.registry = options.registry ?? createRegistry('pusher', options.config.nodeId);
  }

  async start(): Promise<void> {
    const { config, log } = this.options;
    this.clients = await connectServices(config, `pusher:${config.nodeId}`, 4);
    const { pool, nc } = this.clients;
    const subjects = new Subjects(config.namespace, config.partitions);
    const jsm = await ensurePushStream(nc, subjects, config.streamReplicas);
    this.metrics = createPusherMetrics(this.registry);
    const rooms = new RoomStore(pool);
    const pushStore = new PushStore(pool);
    const roomLabel = async (room: string): Promise<RoomLabel> => {
      const cached = this.labels.get(room);
      if (cached && Date.now() - cached.at < 60_000) return cached.label;
      const view = await rooms.view(room, '');
      const label: RoomLabel = { kind: view?.kind ?? 'group', name: view?.name ?? '' };
      if (this.labels.size > 10_000) this.labels.clear();
      this.labels.set(room, { at: Date.now(), label });
      return label;
    };
    // One reader for both platforms: their sends share the badge queries.
    const badges = new BadgeReader((users) => pushStore.unreadTotals(users));
    for (const provider of this.options.providers) {
      const worker = new PlatformWorker({
        provider,
        subjects,
        jsm,
        js: jetstream(nc),
        pushStore,
        roomLabel,
        badgeOf: (user) => badges.badgeOf(user),
        metrics: this.metrics,
        log: log.child({ platform: provider.platform }),
        collapseWindowMs: this.options.collapseWindowMs ?? 1000,
        ...(this.options.concurrency === undefined ? {} : { concurrency: this.options.concurrency }),
      });
      await worker.start();
      this.workers.push(worker);
    }
    for (const platform of ['apns', 'fcm'] as const) {
      if (!this.workers.some((worker) => worker.platform === platform))
        log.warn({ platform }, 'no provider configured: its push jobs stay queued');
    }
    if (this.options.httpPort !== undefined) {
      this.server = await startHealthServer(
        this.options.httpPort,
        this.options.httpHost ?? '127.0.0.1',
        this.registry,
        {
          healthy: () => !this.stopping,
          ready: async () => [
            ...(await serviceProblems(this.clients!)),
            ...(this.workers.length === 0 ? ['no push provider configured'] : []),
          ],
        },
      );
    }
    this.timer = setInterval(() => void this.measureQueue(), 5000);
    this.nodeLease = await NodeLease.start(
      this.clients.redis,
      config,
      'pusher',
      { adminUrl: listenerUrl(this.server) ?? this.options.adminUrl },
      log,
    );
    log.info({ platforms: this.workers.map((w) => w.platform), port: portOf(this.server) }, 'pusher started');
  }

  private async measureQueue(): Promise<void> {
    for (const worker of this.workers) {
      const depth = await worker.queueDepth().catch(() => undefined);
      if (depth !== undefined) this.metrics!.queueDepth.set({ platform: worker.platform }, depth);
    }
  }

  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    clearInterval(this.timer);
    await Promise.all(this.workers.map((worker) => worker.stop()));
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.nodeLease?.stop();
    await this.clients?.close();
    this.options.log.info('pusher stopped');
  }
}
