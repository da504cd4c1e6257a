import { Flags } from '@oclif/core';
import { randomBytes } from 'node:crypto';
import { jwtSecretFlags, jwtSecretOf } from './flags.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ConfigInput } from '../core/config/cluster-config.js';
import { DEFAULT_DATA_DIR, readDevSecret } from '../core/config/dev-secret.js';
import { createLogger } from '../core/observability/logger.js';
import { readMembersFile } from '../nodes/cluster/members-file.js';
import { DevCluster } from '../nodes/dev/dev-cluster.js';
import { checkGateways, GatewayUnreachableError } from '../sim/runner/gateway-preflight.js';

/** Flags every benchmark shares: where the cluster is, or --local to boot one. */
export const benchTargetFlags = {
  local: Flags.boolean({ description: 'boot a local cluster in this process for the run', exclusive: ['url'] }),
  url: Flags.string({ description: 'gateway WebSocket URL(s), comma-separated', env: 'CHAT_URL' }),
  'data-dir': Flags.string({
    description: 'data folder of `chat-node dev` (its signing secret)',
    default: DEFAULT_DATA_DIR,
    env: 'CHAT_DATA_DIR',
  }),
  ...jwtSecretFlags,
  'metrics-url': Flags.string({
    description:
      "the gateway's /metrics on its admin listener (default: the one `chat-node dev` or `chat-node cluster` listed in --data-dir)",
  }),
  json: Flags.boolean({ description: 'print the result as JSON' }),
};

export interface BenchTarget {
  urls: string[];
  secret: string;
  /** The (first) gateway's /metrics, when known. */
  metricsUrl?: string;
  stop(): Promise<void>;
}

/**
 * The cluster a benchmark command talks to: a running one (--url, signing with the given or dev
 * secret), or one booted here on the machine's services in its own database and namespace. A
 * running one must welcome a device first (the simulator's preflight): the client library retries
 * a refused connect for ever, so a wrong URL or secret would otherwise hang the run. A usage
 * problem ends the command with exit 2 (also one `usage` finds in the target, checked before
 * anything connects), a gateway that does not welcome the device with exit 1, each with its reason.
 */
export async function benchTargetOf(
  command: { error(message: string, options: { exit: number }): never },
  flags: BenchTargetFlags,
  options: {
    localConfig?: ConfigInput;
    usage?: (target: BenchTarget) => string | undefined;
    /** How long a running gateway may take to welcome a device (default: the simulator's 15 s). */
    preflightTimeoutMs?: number;
  } = {},
): Promise<BenchTarget> {
  let target: BenchTarget;
  try {
    target = await resolveBenchTarget(flags, options.localConfig);
  } catch (error) {
    return command.error((error as Error).message, { exit: 2 });
  }
  const problem = options.usage?.(target);
  if (problem !== undefined) {
    await target.stop();
    return command.error(problem, { exit: 2 });
  }
  try {
    if (!flags.local)
      await checkGateways({ urls: target.urls, secret: target.secret, timeoutMs: options.preflightTimeoutMs });
  } catch (error) {
    return command.error((error as Error).message, { exit: error instanceof GatewayUnreachableError ? 1 : 2 });
  }
  return target;
}

export interface BenchTargetFlags {
  local?: boolean;
  url?: string;
  'data-dir': string;
  'jwt-secret'?: string;
  'jwt-secret-file'?: string;
  'metrics-url'?: string;
}

/** The target as the flags name it (a local cluster booted), before anything connects to a running one. */
async function resolveBenchTarget(flags: BenchTargetFlags, localConfig: ConfigInput = {}): Promise<BenchTarget> {
  if (flags.local) {
    const secret = jwtSecretOf(flags) ?? randomBytes(32).toString('base64url');
    const cluster = new DevCluster({
      dataDir: mkdtempSync(join(tmpdir(), 'chat-node-bench-')),
      port: 0,
      host: '127.0.0.1',
      adminPort: 0,
      databaseName: 'chat_node_bench',
      input: {
        namespace: 'bench',
        nodeId: 'bench',
        jwt: { secret },
        sendRatePerSec: 100_000,
        sendBurst: 100_000,
        logLevel: 'warn',
        ...localConfig,
      },
      log: createLogger('bench', 'bench', 'warn'),
      onProgress: (line) => process.stderr.write(`bench: ${line}\n`),
    });
    await cluster.start();
    return {
      urls: [`ws://127.0.0.1:${cluster.gatewayPort}/v1/ws`],
      secret,
      metricsUrl: `http://127.0.0.1:${cluster.adminPort}/metrics`,
      stop: () => cluster.stop(),
    };
  }
  if (!flags.url) throw new Error('pass --local to boot a cluster, or --url of a running gateway');
  const secret = jwtSecretOf(flags) ?? readDevSecret(flags['data-dir']);
  if (!secret) throw new Error('no signing secret: set CHAT_JWT_SECRET or pass --jwt-secret-file');
  const listed = readMembersFile(flags['data-dir'])?.members.find(
    (member) => member.role === 'gateway' || member.role === 'dev',
  );
  const metricsUrl = flags['metrics-url'] ?? (listed ? `${listed.http}/metrics` : undefined);
  return { urls: flags.url.split(','), secret, metricsUrl, stop: async () => {} };
}

/** One line of a latency table, in ms. */
export function latencyRow(
  name: string,
  s: { count: number; p50: number; p90: number; p99: number; max: number },
): string {
  const cell = (value: number) => value.toFixed(2).padStart(8);
  return `${name.padEnd(22)} ${String(s.count).padStart(6)}  ${cell(s.p50)}  ${cell(s.p90)}  ${cell(s.p99)}  ${cell(s.max)}`;
}

export const LATENCY_HEADER = `${'latency (ms)'.padEnd(22)} ${'count'.padStart(6)}  ${'p50'.padStart(8)}  ${'p90'.padStart(8)}  ${'p99'.padStart(8)}  ${'max'.padStart(8)}`;
