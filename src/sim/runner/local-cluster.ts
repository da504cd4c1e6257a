import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort, findFreePortRun } from '../../devtools/index.js';
import { readMembersFile } from '../../nodes/cluster/members-file.js';
import type { LocalClusterSettings } from '../scenario/index.js';
import type { MetricsTarget } from './cluster-usage.js';

const RUN_JS = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export interface LocalSimCluster {
  urls: string[];
  metricsUrls: string[];
  /** Every server process's /metrics, with its role (from the cluster's members file). */
  metricsTargets: MetricsTarget[];
  secret: string;
  /** Where the local APNs/FCM fakes append what they accept. */
  pushLog: string | undefined;
  stop(): Promise<void>;
}

/** How to run the local cluster: one `chat-node dev` process, or every role apart (`chat-node cluster`). */
export interface LocalClusterShape {
  gateways?: number;
  gatewayWorkers?: number;
  fanouts?: number;
}

/**
 * A local cluster in its own process (so the load generator does not share its event loop), in
 * a fresh data folder and namespace, with rate limits lifted for load: `chat-node dev` by
 * default, or `chat-node cluster` (each role its own process, using every core) when the shape
 * asks for more than one gateway, gateway worker or fan-out.
 */
export async function startLocalCluster(
  onProgress: (line: string) => void,
  shape: LocalClusterShape = {},
  settings: LocalClusterSettings = {},
): Promise<LocalSimCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-sim-cluster-'));
  const separate = shape.gateways !== undefined || shape.gatewayWorkers !== undefined || shape.fanouts !== undefined;
  const gateways = shape.gateways ?? 1;
  const port = await findFreePortRun(gateways);
  // `chat-node cluster` picks its gateways' admin ports itself and lists them in members.json.
  const devAdminPort = separate ? undefined : await findFreePort();
  const namespace = `sim${Date.now().toString(36)}`;
  const common = [
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--namespace',
    namespace,
    '--send-rate',
    '100000',
    '--send-burst',
    '100000',
    ...settingFlags(settings),
  ];
  const args = separate
    ? [
        'cluster',
        ...common,
        '--gateways',
        String(gateways),
        '--gateway-workers',
        String(shape.gatewayWorkers ?? 1),
        '--fanouts',
        String(shape.fanouts ?? 1),
        '--no-restart',
        '--log-level',
        'warn',
      ]
    : ['dev', ...common, '--admin-port', String(devAdminPort)];
  const child: ChildProcess = spawn(process.execPath, [RUN_JS, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Warnings too (a lease lapsing, a gateway sending its clients away): they explain a bad run.
    env: { ...process.env, CHAT_LOG_LEVEL: 'warn' },
  });
  // If the simulator dies first, its cluster must not outlive it.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  // Everything it says goes to a file next to its data; the start of it stays at hand for errors.
  const logFile = join(dataDir, 'cluster.log');
  const log = createWriteStream(logFile);
  let output = '';
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    if (output.length < 64 * 1024) output += chunk.toString();
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => log.end());
  const set = settingFlags(settings);
  onProgress(
    (separate
      ? `starting a local cluster (chat-node cluster: ${gateways} gateway(s) x ${shape.gatewayWorkers ?? 1} worker(s), ${shape.fanouts ?? 1} fan-out(s), presence, pusher) from port ${port}`
      : `starting a local cluster (chat-node dev) on port ${port}`) +
      (set.length > 0 ? ` with ${set.join(' ')}` : '') +
      `; its log: ${logFile}`,
  );
  const ports = Array.from({ length: gateways }, (_, i) => port + i);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local cluster exited:\n${output}`);
    // `chat-node cluster` prints its banner once every gateway is ready.
    const ready = separate
      ? output.includes('is running')
      : await fetch(`http://127.0.0.1:${devAdminPort}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the local cluster was not ready within 90 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
  // Every process's admin listener: `chat-node cluster` lists them in members.json before its banner.
  const members = separate
    ? (readMembersFile(dataDir)?.members ?? [])
    : [{ role: 'dev', http: `http://127.0.0.1:${devAdminPort}` }];
  const metricsUrls = members.filter((m) => m.role === 'gateway' || m.role === 'dev').map((m) => `${m.http}/metrics`);
  return {
    urls: ports.map((p) => `ws://127.0.0.1:${p}/v1/ws`),
    metricsUrls,
    metricsTargets: members.map((m) => ({ url: `${m.http}/metrics`, role: m.role })),
    secret,
    pushLog: join(dataDir, 'push', 'received.jsonl'),
    // SIGTERM drains; a cluster still busy after 30 s (seen after a collapsed 10,000 msgs/s sweep
    // step: the dev process had not exited an hour later) is killed, so the run ends.
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const kill = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** The scenario's cluster settings as the flags `chat-node dev` and `chat-node cluster` both take (cluster hands them to every role). */
export function settingFlags(settings: LocalClusterSettings): string[] {
  const flags: string[] = [];
  if (settings.heartbeatMs !== undefined) flags.push('--heartbeat-ms', String(settings.heartbeatMs));
  if (settings.presenceTimeoutMs !== undefined) flags.push('--presence-timeout-ms', String(settings.presenceTimeoutMs));
  return flags;
}
