import type { Logger } from 'pino';
import type { ClusterConfig, ConfigInput } from '../../core/config/cluster-config.js';
import { resolveConfig } from '../../core/config/cluster-config.js';
import { findFreePort, type LocalCluster, type ResolvedService } from '../../devtools/index.js';
import { join } from 'node:path';
import { createRegistry, threadCpuCounter } from '../../core/observability/metrics.js';
import { bootServices } from '../cluster/boot-services.js';
import { writeMembersFile } from '../cluster/members-file.js';
import { FanoutNode } from '../fanout/fanout-node.js';
import { GatewayNode } from '../gateway/gateway-node.js';
import { PresenceNode } from '../presence/presence-node.js';
import { startLocalFakes, type LocalFakes } from '../pusher/local-fakes.js';
import { providersOf } from '../pusher/provider-config.js';
import { PusherNode } from '../pusher/pusher-node.js';
import { RoleThread } from './role-threads.js';

export interface DevClusterOptions {
  /** Folder for started services and the dev JWT secret (default .chat-node). */
  dataDir: string;
  /** Gateway port (default 8080). */
  port: number;
  host: string;
  /** Port of the admin listener (/metrics, /readyz, /trace) on 127.0.0.1 (0: any free port). */
  adminPort: number;
  /** Database for the cluster inside a local or started Postgres (default chat_node). */
  databaseName?: string;
  /** 'fake': local APNs and FCM fakes and a pusher sending to them; 'off': no pusher (jobs stay queued). Default 'fake'. */
  push?: 'fake' | 'off';
  /**
   * 'threads' (default): the gateway on the main thread, the fan-out on a thread of its own,
   * presence and the pusher on a third, so the cluster uses more than one core; 'single': every
   * role on the main thread's event loop (docs/benchmarks.md compares them).
   */
  layout?: DevLayout;
  /** Port of a separate /metrics for the fan-out (single layout only; default: the gateway port serves both). */
  fanoutHttpPort?: number;
  /** Flags and environment: service URLs, JWT settings, limits. */
  input: ConfigInput;
  /** The log level roles on other threads log at (they get loggers of their own). */
  logLevel?: string;
  log: Logger;
  onProgress: (line: string) => void;
  /** A role thread died: the cluster cannot work without it (default: log and exit 1). */
  onThreadDeath?: (error: Error) => void;
}

export type DevLayout = 'threads' | 'single';

/**
 * Every role in one process, on the services it finds or starts: what `chat-node dev` runs.
 */
export class DevCluster {
  private services?: LocalCluster;
  private fanout?: FanoutNode;
  private gateway?: GatewayNode;
  private presence?: PresenceNode;
  private pusher?: PusherNode;
  private fakes?: LocalFakes;
  private readonly threads: RoleThread[] = [];
  /** The admin listener's port, settled before any role starts: the roles' node leases name it. */
  private adminPortToUse = 0;
  config?: ClusterConfig;

  constructor(private readonly options: DevClusterOptions) {}

  get serviceList(): ResolvedService[] {
    return this.services?.services ?? [];
  }

  get layout(): DevLayout {
    return this.options.layout ?? 'threads';
  }

  /** With --push fake: where accepted notifications are appended. */
  get pushReceivedFile(): string | undefined {
    return (this.options.push ?? 'fake') === 'fake' ? join(this.options.dataDir, 'push', 'received.jsonl') : undefined;
  }

  get gatewayPort(): number {
    return this.gateway?.port ?? this.options.port;
  }

  get adminPort(): number {
    return this.gateway?.adminPort ?? this.options.adminPort;
  }

  /** Where every role of this process is reached: the gateway's admin listener (on 127.0.0.1). */
  private get adminUrl(): string {
    return `http://127.0.0.1:${this.adminPortToUse}`;
  }

  async start(): Promise<void> {
    const { input, dataDir, onProgress } = this.options;
    const booted = await bootServices({ dataDir, input, databaseName: this.options.databaseName, onProgress });
    this.services = booted.services;
    try {
      this.config = resolveConfig('dev', booted.input);
      this.adminPortToUse = this.options.adminPort === 0 ? await findFreePort() : this.options.adminPort;
      const push = this.options.push ?? 'fake';
      onProgress(
        `starting fan-out, presence${push === 'fake' ? ', pusher (with local APNs/FCM fakes)' : ''} and gateway${this.layout === 'threads' ? ' (the gateway on the main thread, the fan-out on a second, presence and the pusher on a third)' : ' (on one thread)'}`,
      );
      if (this.layout === 'threads') await this.startOnThreads(this.config, push);
      else await this.startOnOneThread(this.config, push);
      const { postgresUrl, redisUrl, natsUrl, namespace } = this.config;
      writeMembersFile(
        dataDir,
        'dev',
        [{ role: 'dev', nodeId: this.config.nodeId, http: `http://127.0.0.1:${this.adminPort}` }],
        {
          namespace,
          services: { postgresUrl, redisUrl, natsUrl },
        },
      );
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  private async startOnThreads(config: ClusterConfig, push: 'fake' | 'off'): Promise<void> {
    const { log, dataDir } = this.options;
    const onDeath =
      this.options.onThreadDeath ??
      ((error: Error) => {
        log.fatal({ err: error }, 'a role thread died; stopping');
        process.exit(1);
      });
    const spec = { config, dataDir, logLevel: this.options.logLevel ?? log.level, push, adminUrl: this.adminUrl };
    const [fanout, others] = await Promise.all([
      RoleThread.start({ ...spec, roles: ['fanout'] }, log, onDeath),
      RoleThread.start({ ...spec, roles: ['presence', 'pusher'] }, log, onDeath),
    ]);
    this.threads.push(fanout, others);
    const registry = createRegistry('gateway', config.nodeId);
    threadCpuCounter(registry);
    this.gateway = await GatewayNode.create({
      config,
      log: log.child({ role: 'gateway' }),
      port: this.options.port,
      host: this.options.host,
      adminPort: this.adminPortToUse,
      registry,
      moreMetrics: () => Promise.all(this.threads.map((thread) => thread.metrics())),
      extraTraces: this.threads.flatMap((thread) => thread.traceSources()),
    });
    await this.gateway.start();
  }

  private async startOnOneThread(config: ClusterConfig, push: 'fake' | 'off'): Promise<void> {
    const { dataDir, log } = this.options;
    const fanoutNodeId = `${config.nodeId}-fanout`;
    // One thread: the gateway's /metrics serves the other roles' too, and the process metrics once.
    const fanoutRegistry = createRegistry('fanout', fanoutNodeId, false);
    this.fanout = new FanoutNode({
      config: { ...config, nodeId: fanoutNodeId },
      registry: fanoutRegistry,
      log: log.child({ role: 'fanout' }),
      httpPort: this.options.fanoutHttpPort,
      httpHost: '127.0.0.1',
      adminUrl: this.adminUrl,
    });
    await this.fanout.start();
    const presenceRegistry = createRegistry('presence', `${config.nodeId}-presence`, false);
    this.presence = new PresenceNode({
      config: { ...config, nodeId: `${config.nodeId}-presence` },
      registry: presenceRegistry,
      log: log.child({ role: 'presence' }),
      adminUrl: this.adminUrl,
    });
    await this.presence.start();
    const pusherRegistry = createRegistry('pusher', `${config.nodeId}-pusher`, false);
    if (push === 'fake') {
      this.fakes = await startLocalFakes(dataDir);
      this.pusher = new PusherNode({
        config: { ...config, nodeId: `${config.nodeId}-pusher` },
        registry: pusherRegistry,
        log: log.child({ role: 'pusher' }),
        providers: providersOf(this.fakes.apns, this.fakes.fcm),
        adminUrl: this.adminUrl,
      });
      await this.pusher.start();
    }
    this.gateway = await GatewayNode.create({
      config,
      log: log.child({ role: 'gateway' }),
      port: this.options.port,
      host: this.options.host,
      adminPort: this.adminPortToUse,
      extraRegistries: [fanoutRegistry, presenceRegistry, pusherRegistry],
      extraTraces: [this.fanout.traceSource],
    });
    await this.gateway.start();
  }

  async stop(): Promise<void> {
    await this.gateway?.stop().catch(() => {});
    // The threads stop their roles in order: the pusher's thread before the fan-out's that feeds it.
    for (const thread of [...this.threads].reverse()) await thread.stop().catch(() => {});
    await this.presence?.stop().catch(() => {});
    await this.pusher?.stop().catch(() => {});
    await this.fakes?.stop().catch(() => {});
    await this.fanout?.stop().catch(() => {});
    await this.services?.stop();
  }
}
