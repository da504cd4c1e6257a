import type { ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { defaultSearchPath, NATS_SOFTWARE, requireBinary } from './binaries.js';
import { stopLeftoverDaemon } from './daemon.js';
import { guardOnExit } from './exit-guard.js';
import { findFreePort } from './free-port.js';
import { probeNats } from './probe.js';
import { removeFile, spawnDaemon, stopPid, tailFile, writePidFile } from './processes.js';

/** How to start a local NATS cluster. */
export interface NatsClusterOptions {
  /** Folder of the nodes: `<dir>/n1`, `<dir>/n2`, ... each with its config, pid file and JetStream store. Kept on stop. */
  dir: string;
  /** Nodes in the cluster. Default 3 (JetStream needs 3 for R3 streams that survive one node). */
  size?: number;
  /** The cluster's name (the `cluster { name }` block). Default `chat-local`. */
  name?: string;
  /** Where each node logs, as `nats-n1.log`... Default `dir`. */
  logDir?: string;
  /** Where to look for nats-server. Default: the PATH. */
  searchPath?: string[];
  /** Progress lines ("starting a 3-node NATS cluster..."), and nodes that exit on their own. Default: none. */
  onProgress?: (line: string) => void;
  /** How long start() and restart() wait for the cluster to take JetStream requests. Default 30 000 ms. */
  readyTimeoutMs?: number;
}

/** One node as a test or a banner sees it. */
export interface NatsNodeInfo {
  /** 0-based, the index kill() and restart() take. */
  index: number;
  /** Its server_name: n1, n2, ... */
  name: string;
  /** The running process, undefined while it is down. */
  pid: number | undefined;
  running: boolean;
  /** Client port (nats://127.0.0.1:port). */
  port: number;
  url: string;
  /** Route port other nodes connect to. */
  clusterPort: number;
  /** HTTP monitoring port (/healthz, /jsz, /routez). */
  monitorPort: number;
  storeDir: string;
  logFile: string;
}

interface NodeState {
  info: Omit<NatsNodeInfo, 'pid' | 'running'>;
  configFile: string;
  pidFile: string;
  child?: ChildProcess;
  exited?: Promise<void>;
  release?: () => void;
  /** We killed or stopped it: its exit is not news. */
  expectedExit: boolean;
}

const DEFAULT_NAME = 'chat-local';

/** A stream, or one of its consumers. */
export interface JetStreamAsset {
  stream: string;
  consumer?: string;
}

/**
 * A NATS cluster of `size` nats-server processes on loopback, with JetStream and routes to each
 * other, for `chat-node cluster --nats-cluster 3` and for fault tests that kill one node at a time.
 * Each node keeps its ports and its store across kill()/restart(), as a rebooted host would, so
 * the others' routes find it again and its stream replicas catch up instead of starting empty.
 *
 * Stays within nats-server 2.9 (Debian): static routes, server_name, `cluster { name }`.
 */
export class NatsCluster {
  private stopping?: Promise<void>;

  private constructor(
    private readonly nodes_: NodeState[],
    private readonly binary: string,
    private readonly options: Required<Pick<NatsClusterOptions, 'readyTimeoutMs'>> & {
      onProgress: (line: string) => void;
    },
  ) {}

  /**
   * Writes each node's config (fresh free ports on every start), starts all nodes, and resolves
   * once the cluster has a JetStream meta leader and an R3 stream can be created; on failure,
   * what was started is stopped again.
   */
  static async start(options: NatsClusterOptions): Promise<NatsCluster> {
    const size = options.size ?? 3;
    if (!Number.isInteger(size) || size < 1) throw new Error(`a NATS cluster needs at least 1 node, not ${size}`);
    const onProgress = options.onProgress ?? (() => undefined);
    const binary = requireBinary(NATS_SOFTWARE, options.searchPath ?? defaultSearchPath());
    const dir = resolve(options.dir);
    const logDir = resolve(options.logDir ?? dir);
    await mkdir(logDir, { recursive: true });

    const nodes: NodeState[] = [];
    for (let index = 0; index < size; index++) {
      const name = `n${index + 1}`;
      const nodeDir = join(dir, name);
      await mkdir(nodeDir, { recursive: true });
      const port = await findFreePort();
      const info = {
        index,
        name,
        port,
        url: `nats://127.0.0.1:${port}`,
        clusterPort: await findFreePort(),
        monitorPort: await findFreePort(),
        storeDir: nodeDir,
        logFile: join(logDir, `nats-${name}.log`),
      };
      nodes.push({
        info,
        configFile: join(nodeDir, 'nats-server.conf'),
        pidFile: join(nodeDir, 'nats-server.pid'),
        expectedExit: false,
      });
    }
    const clusterName = options.name ?? DEFAULT_NAME;
    const routes = nodes.map((n) => `nats://127.0.0.1:${n.info.clusterPort}`);
    for (const node of nodes) {
      // A crashed earlier run may have left this node running on its old ports.
      await stopLeftoverDaemon(
        {
          dir: node.info.storeDir,
          logFile: node.info.logFile,
          displayDir: node.info.storeDir,
          searchPath: [],
          onProgress,
        },
        node.pidFile,
        'nats-server',
      );
      await writeFile(node.configFile, nodeConfig(node.info, clusterName, routes));
    }

    const cluster = new NatsCluster(nodes, binary, { readyTimeoutMs: options.readyTimeoutMs ?? 30_000, onProgress });
    onProgress(
      `starting a ${size}-node NATS cluster (${clusterName}) on ports ${nodes.map((n) => n.info.port).join(', ')}...`,
    );
    try {
      for (const node of nodes) await cluster.spawn(node);
      await cluster.waitUsable(cluster.options.readyTimeoutMs);
    } catch (error) {
      await cluster.stop().catch(() => undefined);
      throw error;
    }
    return cluster;
  }

  /** Every node's client URL, for a client's server list. */
  get urls(): string[] {
    return this.nodes_.map((n) => n.info.url);
  }

  /** The client URLs comma-separated, as CHAT_NATS_URL takes them. */
  get url(): string {
    return this.urls.join(',');
  }

  get size(): number {
    return this.nodes_.length;
  }

  /** The nodes with their pids and ports, in index order. */
  nodes(): NatsNodeInfo[] {
    return this.nodes_.map((n) => ({ ...n.info, pid: isRunning(n) ? n.child?.pid : undefined, running: isRunning(n) }));
  }

  /** SIGKILLs node `index` (0-based) and waits until the process is gone. No-op if it is down. */
  async kill(index: number): Promise<void> {
    const node = this.node(index);
    if (!isRunning(node)) return;
    node.expectedExit = true;
    node.child?.kill('SIGKILL');
    await Promise.race([node.exited, sleep(5_000)]);
    node.release?.();
    await removeFile(node.pidFile);
  }

  /**
   * Starts node `index` again on the same ports and store, and resolves once it is back in the
   * cluster: its /healthz is ok (JetStream current) and JetStream answers through its own URL.
   * A node still running is killed first, so this is also "kill and restart".
   */
  async restart(index: number): Promise<void> {
    const node = this.node(index);
    await this.kill(index);
    await this.spawn(node);
    const deadline = Date.now() + this.options.readyTimeoutMs;
    let last = 'not checked yet';
    while (Date.now() < deadline) {
      if (!isRunning(node)) break;
      const health = await nodeHealth(node.info.monitorPort);
      const probe = health.ok ? await probeNats(node.info.url, 2_000) : health;
      if (probe.ok) return;
      last = probe.reason;
      await sleep(200);
    }
    throw new Error(
      `NATS node ${node.info.name} did not rejoin the cluster (${last}); last lines of ${node.info.logFile}:\n${await tailFile(node.info.logFile)}`,
    );
  }

  /**
   * Waits until the cluster takes JetStream requests: a meta leader answers $JS.API.INFO, a
   * throwaway stream with min(size, 3) replicas can be created (every peer is known to the leader),
   * and every stream already in the stores has a leader again. The last matters on a restart over
   * old stores: stream leaders are elected seconds after the meta leader, and a role that starts
   * in between gets timeouts from its first stream request.
   */
  async waitUsable(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = 'not checked yet';
    while (Date.now() < deadline) {
      const down = this.nodes_.find((n) => !isRunning(n));
      if (down !== undefined && !down.expectedExit) {
        throw new Error(
          `NATS node ${down.info.name} exited during start-up; last lines of ${down.info.logFile}:\n${await tailFile(down.info.logFile)}`,
        );
      }
      try {
        await this.createProbeStream();
        return;
      } catch (error) {
        last = error instanceof Error ? error.message : String(error);
      }
      await sleep(250);
    }
    throw new Error(
      `the NATS cluster did not become usable within ${timeoutMs} ms (${last}); logs in ${this.nodes_[0]?.info.logFile ?? ''}...`,
    );
  }

  /** The streams and their consumers, by name (from the meta leader's assignments), for waitLeaders. */
  async jetStreamAssets(): Promise<JetStreamAsset[]> {
    return this.withManager(async (nc, jsm) => {
      const assets: JetStreamAsset[] = [];
      for await (const stream of jsm.streams.names()) {
        assets.push({ stream });
        // The meta leader answers names from its assignments; a list would need every leader.
        const reply = await nc.request(`$JS.API.CONSUMER.NAMES.${stream}`, '{}', { timeout: 2_000 });
        for (const consumer of reply.json<{ consumers?: string[] | null }>().consumers ?? [])
          assets.push({ stream, consumer });
      }
      return assets;
    });
  }

  /**
   * Waits until each of `assets` has a leader on a running node: after a node is killed, the raft
   * groups it led stay leaderless until a follower campaigns, which nats-server does 4-9 s after
   * it last heard the leader (minElectionTimeoutDefault..maxElectionTimeoutDefault in
   * server/raft.go). Until then nothing can be stored in such a stream, whoever the client is.
   * Each asset's info is answered by its own leader (no answer, no leader), so this holds while
   * the meta group itself is still electing.
   */
  async waitLeaders(assets: readonly JetStreamAsset[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const names = new Set(this.nodes_.filter(isRunning).map((n) => n.info.name));
    // No info (no answer in time, or an error) is no leader; a stream of one node has no cluster.
    const led = (info: { cluster?: { leader?: string } } | undefined) =>
      info !== undefined &&
      (info.cluster === undefined || (info.cluster.leader !== undefined && names.has(info.cluster.leader)));
    let pending = [...assets];
    // Short waits for each answer: a request sent while there was no leader is never answered.
    await this.withManager(async (_nc, jsm) => {
      while (pending.length > 0 && Date.now() < deadline) {
        const infos = await Promise.all(
          pending.map((asset) =>
            (asset.consumer === undefined
              ? jsm.streams.info(asset.stream)
              : jsm.consumers.info(asset.stream, asset.consumer)
            ).catch(() => undefined),
          ),
        );
        pending = pending.filter((_, i) => !led(infos[i]));
        if (pending.length > 0) await sleep(50);
      }
    }, 300);
    if (pending.length > 0) {
      const named = pending.slice(0, 3).map((a) => (a.consumer === undefined ? a.stream : `${a.stream}/${a.consumer}`));
      throw new Error(`JetStream had no leaders for ${named.join(', ')} within ${timeoutMs} ms`);
    }
  }

  /** A JetStream manager on the running nodes, for one probe (requests wait `requestTimeoutMs` for an answer). */
  private async withManager<T>(
    use: (nc: NatsConnection, jsm: JetStreamManager) => Promise<T>,
    requestTimeoutMs = 2_000,
  ): Promise<T> {
    const nc = await connect({
      servers: this.nodes_.filter(isRunning).map((n) => n.info.url),
      timeout: 2_000,
      reconnect: false,
      name: 'chat-node cluster probe',
    });
    try {
      return await use(nc, await jetstreamManager(nc, { timeout: requestTimeoutMs, checkAPI: false }));
    } finally {
      await nc.close().catch(() => undefined);
    }
  }

  /** SIGTERM to every node that runs (SIGKILL after 10 s), in parallel. Keeps the stores and configs. */
  stop(): Promise<void> {
    return (this.stopping ??= (async () => {
      await Promise.all(
        this.nodes_.map(async (node) => {
          node.expectedExit = true;
          const pid = node.child?.pid;
          if (pid !== undefined && isRunning(node)) await stopPid(pid);
          await Promise.race([node.exited, sleep(2_000)]);
          node.release?.();
          await removeFile(node.pidFile);
        }),
      );
    })());
  }

  private node(index: number): NodeState {
    const node = this.nodes_[index];
    if (node === undefined)
      throw new Error(`no NATS node ${index}: the cluster has nodes 0..${this.nodes_.length - 1}`);
    return node;
  }

  private async spawn(node: NodeState): Promise<void> {
    node.expectedExit = false;
    const child = spawnDaemon(this.binary, ['-c', node.configFile], node.info.logFile, node.info.storeDir);
    const pid = child.pid;
    if (pid === undefined) {
      const error = await new Promise<Error>((resolve) => child.once('error', resolve));
      throw new Error(`could not start ${this.binary}: ${error.message}`);
    }
    node.child = child;
    node.exited = new Promise<void>((resolve) =>
      child.once('exit', (code, signal) => {
        if (!node.expectedExit) {
          this.options.onProgress(
            `NATS node ${node.info.name} (pid ${pid}) exited (${signal ?? `code ${code ?? '?'}`}); log: ${node.info.logFile}`,
          );
        }
        resolve();
      }),
    );
    node.release = guardOnExit(pid, 'SIGTERM');
    await writePidFile(node.pidFile, pid);
  }

  private async createProbeStream(): Promise<void> {
    await this.withManager(async (_nc, jsm) => {
      await jsm.getAccountInfo();
      const name = `chat_cluster_probe_${process.pid}_${Date.now()}`;
      await jsm.streams.add({
        name,
        subjects: [`_chat_probe.${name}`],
        storage: StorageType.Memory,
        num_replicas: Math.min(this.nodes_.length, 3),
      });
      await jsm.streams.delete(name);
      for await (const stream of jsm.streams.list()) {
        const info = await jsm.streams.info(stream.config.name);
        if (info.cluster !== undefined && info.cluster.leader === undefined)
          throw new Error(`stream ${stream.config.name} has no leader yet`);
      }
    });
  }
}

function isRunning(node: NodeState): boolean {
  const child = node.child;
  return child !== undefined && child.exitCode === null && child.signalCode === null;
}

/** nats-server 2.9's /healthz is ok once the node's JetStream is current with the meta leader and its assets. */
async function nodeHealth(monitorPort: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${monitorPort}/healthz`, { signal: AbortSignal.timeout(2_000) });
    if (response.ok) return { ok: true };
    return { ok: false, reason: `/healthz ${response.status} ${(await response.text()).trim()}` };
  } catch (error) {
    return { ok: false, reason: `/healthz: ${error instanceof Error ? error.message : String(error)}` };
  }
}

function nodeConfig(
  node: Omit<NatsNodeInfo, 'pid' | 'running'>,
  clusterName: string,
  routes: readonly string[],
): string {
  const quote = (text: string) => JSON.stringify(text);
  return [
    '# Written by chat-node on every start of the cluster (ports are chosen free each time).',
    `server_name: ${node.name}`,
    `listen: 127.0.0.1:${node.port}`,
    `http: 127.0.0.1:${node.monitorPort}`,
    `jetstream { store_dir: ${quote(node.storeDir)} }`,
    'cluster {',
    `  name: ${clusterName}`,
    `  listen: 127.0.0.1:${node.clusterPort}`,
    // Every node lists every route, itself included (nats-server skips its own), so one list serves all.
    `  routes: [${routes.join(', ')}]`,
    '}',
    '',
  ].join('\n');
}
