import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ConfigInput } from '../../core/config/cluster-config.js';
import { lockDataDir } from '../../devtools/data-dir-lock.js';
import { findFreePort, type LocalCluster, type ResolvedService } from '../../devtools/index.js';
import { NatsCluster, type JetStreamAsset, type NatsNodeInfo } from '../../devtools/nats-cluster.js';
import { switchFakeModes, type FakeModes } from '../pusher/fakes/index.js';
import { bootServices, type BootedServices } from './boot-services.js';
import { configEnvOf } from './config-env.js';
import { writeMembersFile } from './members-file.js';
import { RoleProcess, type RoleExit, type RoleProcessSpec } from './role-process.js';

export interface ProcessClusterOptions {
  dataDir: string;
  host: string;
  /** The first gateway's port; gateway i listens on port + i. */
  port: number;
  gateways: number;
  /** Processes per gateway node behind its port (`gateway --workers`). */
  gatewayWorkers: number;
  fanouts: number;
  presences: number;
  /** 'fake': a pusher on local APNs/FCM fakes; 'off': none. */
  push: 'fake' | 'off';
  /** Start a role again when it dies (default true). */
  restart: boolean;
  /**
   * Nodes of a NATS cluster to start for the roles (in <dataDir>/nats-cluster, logs in
   * <dataDir>/logs/nats-n<i>.log), instead of one found or started nats-server; the roles then get
   * every node's URL and 3-replica streams (unless input.streamReplicas says otherwise).
   * Default 0: no NATS cluster. Cannot be combined with input.natsUrl.
   */
  natsCluster?: number;
  databaseName?: string;
  input: ConfigInput;
  /** More CHAT_* settings for every role (the supervisor's own flags, as environment). */
  env?: Record<string, string>;
  /**
   * Environment of single nodes, by node id, over everyone's (default none). Fault tests use it
   * to put one node behind a TCP fault proxy: `{ 'gateway-1': { CHAT_NATS_URL: proxy.url } }`.
   */
  nodeEnv?: Record<string, Record<string, string>>;
  onProgress: (line: string) => void;
  /** A role exited (crash or fault) and whether it will be restarted. */
  onRoleExit: (line: string) => void;
}

export interface ClusterMember {
  role: RoleProcessSpec['role'];
  nodeId: string;
  port: number;
  /** Its /metrics, /readyz and /trace (the gateways' admin listener; the others' only port). */
  adminPort: number;
  pid: number | undefined;
  logFile: string;
}

/**
 * A real multi-node cluster on one machine: every role its own supervised process (as on
 * separate hosts), on the services `chat-node dev` would use. Faults can hit one node at a time,
 * and a load test uses every core instead of one event loop.
 */
export class ProcessCluster {
  private services?: LocalCluster;
  private nats?: NatsCluster;
  private unlockDataDir?: () => Promise<void>;
  private streamReplicas = 1;
  private readonly roles: RoleProcess[] = [];
  secret?: string;
  logDir = '';

  constructor(private readonly options: ProcessClusterOptions) {}

  get serviceList(): ResolvedService[] {
    const services = this.services?.services ?? [];
    const nats = this.nats;
    if (nats === undefined) return services;
    const detail = `started a ${nats.size}-node NATS cluster in ${join(this.options.dataDir, 'nats-cluster')} (streams with ${this.streamReplicas} replicas)`;
    return services.map((s) => (s.name === 'nats' ? { ...s, origin: 'started', detail } : s));
  }

  /** The NATS cluster's nodes (pid, ports, log) when started with `natsCluster`, else none. */
  get natsNodes(): NatsNodeInfo[] {
    return this.nats?.nodes() ?? [];
  }

  /** Fault tests: SIGKILLs NATS node `index` (0-based) of the cluster started with `natsCluster`. */
  async killNatsNode(index: number): Promise<void> {
    await this.requireNats().kill(index);
  }

  /** Fault tests: starts NATS node `index` again on its ports and store; resolves once it has rejoined. */
  async restartNatsNode(index: number): Promise<void> {
    await this.requireNats().restart(index);
  }

  /** Fault tests: the NATS cluster's streams and consumers, for waitNatsLeaders after a node's death. */
  natsAssets(): Promise<JetStreamAsset[]> {
    return this.requireNats().jetStreamAssets();
  }

  /** Fault tests: resolves once each of `assets` has a leader on a running NATS node again. */
  async waitNatsLeaders(assets: readonly JetStreamAsset[], timeoutMs: number): Promise<void> {
    await this.requireNats().waitLeaders(assets, timeoutMs);
  }

  private requireNats(): NatsCluster {
    if (this.nats === undefined)
      throw new Error('this cluster runs no NATS cluster of its own (start it with natsCluster: 3)');
    return this.nats;
  }

  get members(): ClusterMember[] {
    return this.roles.map((r) => ({
      role: r.spec.role,
      nodeId: r.spec.nodeId,
      port: r.spec.port,
      adminPort: r.spec.adminPort ?? r.spec.port,
      pid: r.pid,
      logFile: r.spec.logFile,
    }));
  }

  /**
   * Sends a signal to one role's process (fault tests: SIGKILL, SIGTERM, SIGSTOP, SIGCONT);
   * returns its pid. A role that dies is restarted unless the cluster runs with restart off.
   */
  signal(nodeId: string, signal: NodeJS.Signals): number {
    const role = this.roles.find((r) => r.spec.nodeId === nodeId);
    if (!role?.pid || !role.running)
      throw new Error(`${nodeId} is not running (nodes: ${this.roles.map((r) => r.spec.nodeId).join(', ')})`);
    process.kill(role.pid, signal);
    return role.pid;
  }

  /**
   * A role's start-up: with restarts on, a role that dies while the services are still settling
   * (a JetStream API timeout while a NATS cluster elects its leaders) is started again, as it
   * would be by the supervisor later on; with restarts off, its first exit is the answer.
   */
  private waitStarted(role: RoleProcess): Promise<void> {
    return this.options.restart ? role.waitHealthy(60_000, true) : role.waitHealthy(30_000);
  }

  /** Resolves once `nodeId` runs and answers /healthz, waiting through its restart. */
  async waitHealthy(nodeId: string, timeoutMs = 30_000): Promise<void> {
    const role = this.roles.find((r) => r.spec.nodeId === nodeId);
    if (!role) throw new Error(`no node ${nodeId}`);
    await role.waitHealthy(timeoutMs, true);
  }

  get gatewayPorts(): number[] {
    return this.roles.filter((r) => r.spec.role === 'gateway').map((r) => r.spec.port);
  }

  /** The gateways' admin listeners, in the order of gatewayPorts. */
  get gatewayAdminPorts(): number[] {
    return this.roles.filter((r) => r.spec.role === 'gateway').map((r) => r.spec.adminPort ?? r.spec.port);
  }

  get pushReceivedFile(): string | undefined {
    return this.options.push === 'fake' ? join(this.options.dataDir, 'push', 'received.jsonl') : undefined;
  }

  /**
   * Fault tests: puts the pusher's APNs and FCM fakes into these modes (one not named is `ok`;
   * `{}` heals both), through their mode file; resolves once the fakes have applied it. A
   * restarted pusher reads the same file, so the outage outlives a pusher crash, as a real one would.
   */
  async setPushFakeModes(modes: Omit<FakeModes, 'id'>): Promise<void> {
    if (this.options.push !== 'fake') throw new Error('this cluster runs no pusher on the local fakes (push: fake)');
    await switchFakeModes(join(this.options.dataDir, 'push'), modes);
  }

  async start(): Promise<void> {
    const { options } = this;
    const input = await this.startNatsCluster();
    let booted: BootedServices;
    try {
      booted = await bootServices({
        dataDir: options.dataDir,
        input,
        databaseName: options.databaseName,
        onProgress: options.onProgress,
      });
    } catch (error) {
      await this.stopNatsCluster();
      throw error;
    }
    this.services = booted.services;
    this.streamReplicas = booted.input.streamReplicas ?? 1;
    this.secret = booted.input.jwt?.secret;
    try {
      this.logDir = join(options.dataDir, 'logs');
      mkdirSync(this.logDir, { recursive: true });
      const env = { ...options.env, ...configEnvOf({ ...booted.input, logLevel: booted.input.logLevel ?? 'info' }) };
      const add = (role: RoleProcessSpec['role'], nodeId: string, port: number, args: string[], adminPort?: number) => {
        const spec: RoleProcessSpec = {
          role,
          nodeId,
          port,
          adminPort,
          args,
          env: { ...env, ...options.nodeEnv?.[nodeId] },
          logFile: join(this.logDir, `${nodeId}.log`),
        };
        const process = new RoleProcess(spec, {
          restart: options.restart,
          onExit: (exit, p) => this.reportExit(exit, p),
        });
        this.roles.push(process);
        return process;
      };
      const httpArgs = async () => {
        const port = await findFreePort();
        return { port, args: ['--http-port', String(port), '--host', '127.0.0.1'] };
      };
      const backends: RoleProcess[] = [];
      for (let i = 1; i <= options.fanouts; i++) {
        const { port, args } = await httpArgs();
        backends.push(add('fanout', `fanout-${i}`, port, args));
      }
      for (let i = 1; i <= options.presences; i++) {
        const { port, args } = await httpArgs();
        backends.push(add('presence', `presence-${i}`, port, args));
      }
      if (options.push === 'fake') {
        const { port, args } = await httpArgs();
        backends.push(add('pusher', 'pusher-1', port, [...args, '--fake', '--data-dir', options.dataDir]));
      }
      options.onProgress(
        `starting ${options.fanouts} fan-out, ${options.presences} presence${options.push === 'fake' ? ', 1 pusher (local APNs/FCM fakes)' : ''}`,
      );
      for (const role of backends) role.start();
      await Promise.all(backends.map((role) => this.waitStarted(role)));
      const gateways: RoleProcess[] = [];
      for (let i = 0; i < options.gateways; i++) {
        const port = options.port + i;
        const workers = options.gatewayWorkers > 1 ? ['--workers', String(options.gatewayWorkers)] : [];
        const adminPort = await findFreePort();
        gateways.push(
          add(
            'gateway',
            `gateway-${i + 1}`,
            port,
            ['--port', String(port), '--host', options.host, '--admin-port', String(adminPort), ...workers],
            adminPort,
          ),
        );
      }
      options.onProgress(
        `starting ${options.gateways} gateway${options.gateways > 1 ? 's' : ''}${options.gatewayWorkers > 1 ? ` of ${options.gatewayWorkers} workers each` : ''}`,
      );
      for (const role of gateways) role.start();
      await Promise.all(gateways.map((role) => this.waitStarted(role)));
      await this.waitReady(this.gatewayAdminPorts[0]!, 30_000);
      writeMembersFile(
        options.dataDir,
        'cluster',
        this.roles.map((r) => ({
          role: r.spec.role,
          nodeId: r.spec.nodeId,
          http: `http://127.0.0.1:${r.spec.adminPort ?? r.spec.port}`,
        })),
        { namespace: booted.input.namespace, services: booted.services.urls },
      );
    } catch (error) {
      await this.stop();
      throw error;
    }
  }

  /** Gateways first (they drain their clients to the others), then the rest, then the services. */
  async stop(): Promise<void> {
    const gateways = this.roles.filter((r) => r.spec.role === 'gateway');
    await Promise.all(gateways.map((r) => r.stop()));
    await Promise.all(this.roles.filter((r) => r.spec.role !== 'gateway').map((r) => r.stop()));
    await this.services?.stop();
    await this.stopNatsCluster();
  }

  /** With `natsCluster`, starts it and returns the input pointing the roles at all its nodes, R3. */
  private async startNatsCluster(): Promise<ConfigInput> {
    const { options } = this;
    const size = options.natsCluster ?? 0;
    if (size === 0) return options.input;
    if (options.input.natsUrl !== undefined)
      throw new Error(
        'a NATS URL was given (--nats-url / CHAT_NATS_URL): drop it to start a NATS cluster, or drop --nats-cluster',
      );
    const replicas = options.input.streamReplicas ?? Math.min(size, 3);
    if (replicas > size) throw new Error(`streams cannot have ${replicas} replicas on a ${size}-node NATS cluster`);
    // The nodes live in the data folder like the other services: one chat-node at a time in it.
    this.unlockDataDir = await lockDataDir(resolve(options.dataDir), options.dataDir);
    try {
      this.nats = await NatsCluster.start({
        dir: join(options.dataDir, 'nats-cluster'),
        size,
        logDir: join(options.dataDir, 'logs'),
        onProgress: options.onProgress,
      });
    } catch (error) {
      await this.stopNatsCluster();
      throw error;
    }
    return { ...options.input, natsUrl: this.nats.url, streamReplicas: replicas };
  }

  private async stopNatsCluster(): Promise<void> {
    await this.nats?.stop();
    await this.unlockDataDir?.();
    this.unlockDataDir = undefined;
  }

  /** `port`: a gateway's admin listener. */
  private async waitReady(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (
      !(await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.ok,
        () => false,
      ))
    ) {
      if (Date.now() > deadline)
        throw new Error(
          `the cluster did not become ready within ${timeoutMs / 1000} s (GET :${port}/readyz); logs in ${this.logDir}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  private reportExit(exit: RoleExit, role: RoleProcess): void {
    if (exit.expected) return;
    const how = exit.signal ? `killed by ${exit.signal}` : `exited with ${exit.code}`;
    const next =
      exit.restartInMs === undefined
        ? 'not restarting (--no-restart)'
        : `restarting it in ${(exit.restartInMs / 1000).toFixed(1)} s`;
    this.options.onRoleExit(`${role.spec.nodeId} (pid ${role.pid}) ${how}; ${next}; log: ${role.spec.logFile}`);
  }
}
