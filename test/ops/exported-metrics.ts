import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { Registry } from 'prom-client';
import { createRegistry, threadCpuCounter } from '../../src/core/observability/metrics.js';
import { createHopTimers } from '../../src/core/observability/message-hops.js';
import { createFanoutMetrics } from '../../src/nodes/fanout/fanout-metrics.js';
import { createGatewayMetrics } from '../../src/nodes/gateway/gateway-metrics.js';
import { createPresenceMetrics } from '../../src/nodes/presence/presence-metrics.js';
import { createPusherMetrics } from '../../src/nodes/pusher/pusher-metrics.js';
import { IsolatedCluster, SERVICES, type RoleProcess } from '../support/isolated-cluster.js';

/** A `chat_*` metric as the code exports it. */
export interface ExportedMetric {
  name: string;
  type: string;
  /** The roles whose /metrics carry it; `dev` for what only `chat-node dev` adds. */
  roles: Set<string>;
  /** Its own labels (not the registries' default `role` and `node`, nor a histogram's `le`). */
  labels: Set<string>;
}

/** Labels every series of a chat-node registry carries, and the ones Prometheus adds or histograms have. */
export const COMMON_LABELS = new Set(['role', 'node']);

const TYPE_LINE = /^# TYPE (\S+) (\S+)$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g;

/** The `chat_*` metrics of one /metrics text: name -> type, and the labels its samples carry. */
export function metricsOfText(text: string): Map<string, { type: string; labels: Set<string> }> {
  const found = new Map<string, { type: string; labels: Set<string> }>();
  for (const line of text.split('\n')) {
    const typed = TYPE_LINE.exec(line);
    if (typed) {
      if (typed[1]!.startsWith('chat_')) found.set(typed[1]!, { type: typed[2]!, labels: new Set() });
      continue;
    }
    const sample = SAMPLE.exec(line);
    if (!sample || line.startsWith('#')) continue;
    const metric = found.get(sample[1]!.replace(/_(bucket|sum|count)$/, '')) ?? found.get(sample[1]!);
    for (const label of (sample[2] ?? '').matchAll(LABEL)) {
      if (!COMMON_LABELS.has(label[1]!) && label[1] !== 'le') metric?.labels.add(label[1]!);
    }
  }
  return found;
}

/**
 * What every role exports, read from the real thing: one `chat-node` process of each role on a
 * cluster of its own, scraped on its admin listener. Labels come from the registries the roles
 * build (a labelled metric shows its labels only once it has a series).
 */
export async function exportedMetrics(): Promise<Map<string, ExportedMetric>> {
  const cluster = new IsolatedCluster();
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-metrics-'));
  const exported = new Map<string, ExportedMetric>();
  const add = (role: string, name: string, type: string, labels: Iterable<string>) => {
    const entry = exported.get(name) ?? { name, type, roles: new Set<string>(), labels: new Set<string>() };
    entry.roles.add(role);
    for (const label of labels) entry.labels.add(label);
    exported.set(name, entry);
  };
  try {
    await cluster.setUp();
    const started: Array<[string, RoleProcess]> = await Promise.all([
      cluster.start('fanout', 'fanout-1').then((process) => ['fanout', process] as [string, RoleProcess]),
      cluster.start('presence', 'presence-1').then((process) => ['presence', process] as [string, RoleProcess]),
      cluster
        .start('pusher', 'pusher-1', ['--fake', '--data-dir', dataDir])
        .then((process) => ['pusher', process] as [string, RoleProcess]),
      cluster.start('gateway', 'gateway-1').then((process) => ['gateway', process] as [string, RoleProcess]),
    ]);
    for (const [role, process] of started) {
      const response = await fetch(`${cluster.adminUrl(process)}/metrics`);
      if (!response.ok) throw new Error(`${role} /metrics answered ${response.status}`);
      for (const [name, metric] of metricsOfText(await response.text())) add(role, name, metric.type, metric.labels);
    }
  } finally {
    await cluster.tearDown();
    await deletePushStream(cluster.namespace);
    rmSync(dataDir, { recursive: true, force: true });
  }
  for (const [name, labels] of roleLabelNames()) {
    const entry = exported.get(name);
    if (entry) for (const label of labels) entry.labels.add(label);
  }
  // What `chat-node dev` adds to the roles' own: each thread's CPU (dev-cluster.ts, role-thread.ts).
  const dev = createRegistry('gateway', 'dev', false);
  threadCpuCounter(dev);
  for (const metric of dev.getMetricsAsArray())
    if (!exported.has(metric.name)) add('dev', metric.name, String(metric.type), labelNamesOf(metric));
  return exported;
}

/** Label names of the metrics the roles create through their factories, built as the roles build them. */
function roleLabelNames(): Map<string, string[]> {
  const registry = new Registry();
  createGatewayMetrics(registry);
  createFanoutMetrics(registry);
  createPresenceMetrics(registry);
  createPusherMetrics(registry);
  createHopTimers(registry, 'gateway');
  createHopTimers(registry, 'fanout');
  return new Map(registry.getMetricsAsArray().map((metric) => [metric.name, labelNamesOf(metric)]));
}

function labelNamesOf(metric: object): string[] {
  return [...((metric as { labelNames?: readonly string[] }).labelNames ?? [])];
}

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
/** A metric name given to prom-client directly or to the helpers of core/observability/metrics.ts. */
const REGISTRATION = /(?:\bname:\s*|\b(?:counter|gauge|histogram)\(\s*\w+,\s*)'(chat_[a-z0-9_]+)'/g;

/**
 * Every `chat_*` name registered in the source (src/sim excluded: the floor's stand-in processes
 * are not chat-node's roles), a net for registrations no role process shows at start-up.
 */
export function registeredInSource(dir = SRC): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) {
      if (path !== join(SRC, 'sim')) for (const name of registeredInSource(path)) names.add(name);
    } else if (path.endsWith('.ts')) {
      for (const match of readFileSync(path, 'utf8').matchAll(REGISTRATION)) names.add(match[1]!);
    }
  }
  return names;
}

async function deletePushStream(namespace: string): Promise<void> {
  const nc = await connect({ servers: SERVICES.nats });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(`${namespace.toUpperCase()}_PUSH`).catch(() => {});
  await nc.close();
}
