import type { Logger } from 'pino';
import type { ClusterConfig, ConfigInput } from '../../core/config/cluster-config.js';
import { resolveConfig } from '../../core/config/cluster-config.js';
import type { LocalCluster, ResolvedService } from '../../core/services/index.js';
import { createRegistry } from '../../core/observability/metrics.js';
import { bootServices } from '../cluster/boot-services.js';
import { writeMembersFile } from '../cluster/members-file.js';
import { FanoutNode } from '../fanout/fanout-node.js';
import { GatewayNode } from '../gateway/gateway-node.js';
import { PresenceNode } from '../presence/presence-node.js';
import { startLocalFakes, type LocalFakes } from '../pusher/local-fakes.js';
import { providersOf } from '../pusher/provider-config.js';
import { PusherNode } from '../pusher/pusher-node.js';

export interface DevClusterOptions {
  /** Folder for started services and the dev JWT secret (default .chat-node). */
  dataDir: string;
  /** Gateway port (default 8080). */
  port: number;
  host: string;
  /** Database for the cluster inside a local or started Postgres (default chat_node). */
  databaseName?: string;
  /** 'fake': local APNs and FCM fakes and a pusher sending to them; 'off': no pusher (jobs stay queued). Default 'fake'. */
  push?: 'fake' | 'off';
  /** Port of a separate /metrics for the fan-out (default: none; the gateway port serves both). */
  fanoutHttpPort?: number;
  /** Flags and environment: service URLs, JWT settings, limits. */
  input: ConfigInput;
  log: Logger;
  onProgress: (line: string) => void;
}

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
  config?: ClusterConfig;

  constructor(private readonly options: DevClusterOptions) {}

  get serviceList(): ResolvedService[] {
    return this.services?.services ?? [];
  }

  /** With --push fake: where accepted notifications are appended. */
  get pushReceivedFile(): string | undefined {
    return this.fakes?.receivedFile;
  }

  get gatewayPort(): number {
    return this.gateway?.port ?? this.options.port;
  }

  async start(): Promise<void> {
    const { input, dataDir, log, onProgress } = this.options;
    const booted = await bootServices({ dataDir, input, databaseName: this.options.databaseName, onProgress });
    this.services = booted.services;
    try {
      this.config = resolveConfig('dev', booted.input);
      onProgress(`starting fan-out, presence${(this.options.push ?? 'fake') === 'fake' ? ', pusher (with local APNs/FCM fakes)' : ''} and gateway`);
      const fanoutNodeId = `${this.config.nodeId}-fanout`;
      // One process: the gateway's /metrics serves the fan-out's too, and the process metrics once.
      const fanoutRegistry = createRegistry('fanout', fanoutNodeId, false);
      this.fanout = new FanoutNode({
        config: { ...this.config, nodeId: fanoutNodeId },
        registry: fanoutRegistry,
        log: log.child({ role: 'fanout' }),
        httpPort: this.options.fanoutHttpPort,
        httpHost: '127.0.0.1',
      });
      await this.fanout.start();
      const presenceRegistry = createRegistry('presence', `${this.config.nodeId}-presence`, false);
      this.presence = new PresenceNode({
        config: { ...this.config, nodeId: `${this.config.nodeId}-presence` },
        registry: presenceRegistry,
        log: log.child({ role: 'presence' }),
      });
      await this.presence.start();
      const pusherRegistry = createRegistry('pusher', `${this.config.nodeId}-pusher`, false);
      if ((this.options.push ?? 'fake') === 'fake') {
        this.fakes = await startLocalFakes(dataDir);
        this.pusher = new PusherNode({
          config: { ...this.config, nodeId: `${this.config.nodeId}-pusher` },
          registry: pusherRegistry,
          log: log.child({ role: 'pusher' }),
          providers: providersOf(this.fakes.apns, this.fakes.fcm),
        });
        await this.pusher.start();
      }
      this.gateway = new GatewayNode({
        config: this.config,
        log: log.child({ role: 'gateway' }),
        port: this.options.port,
        host: this.options.host,
        extraRegistries: [fanoutRegistry, presenceRegistry, pusherRegistry],
        extraTraces: [this.fanout.traceSource],
      });
      await this.gateway.start();
      const host = ['0.0.0.0', '::'].includes(this.options.host) ? '127.0.0.1' : this.options.host;
      writeMembersFile(dataDir, 'dev', [{ role: 'dev', nodeId: this.config.nodeId, http: `http://${host}:${this.gateway.port}` }]);
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.gateway?.stop().catch(() => {});
    await this.presence?.stop().catch(() => {});
    await this.pusher?.stop().catch(() => {});
    await this.fakes?.stop().catch(() => {});
    await this.fanout?.stop().catch(() => {});
    await this.services?.stop();
  }
}
