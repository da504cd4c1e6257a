import { readdirSync, readFileSync } from 'node:fs';
import { HOPS } from '../../core/observability/message-hops.js';
import { scrape } from '../metrics-scrape.js';
import {
  addBuckets,
  bucketQuantile,
  histogramsBy,
  parsePromText,
  storeBuckets,
  subtractBuckets,
  type BucketCounts,
  type PromSample,
  type StoredBuckets,
} from './prom-text.js';

/** A server process's /metrics, and what to call it. */
export interface MetricsTarget {
  url: string;
  /** The role of the process behind the URL (from a members file); else each series' role label. */
  role?: string;
}

/**
 * One server process, or one thread of a process that runs roles on several (`chat-node dev`),
 * at one moment: its CPU and event-loop counters. A process's CPU is its threads' together.
 */
export interface ProcessCounters {
  kind: 'node' | 'thread';
  name: string;
  role: string;
  cpuSec: number;
  busySec?: number;
  /** p99 event-loop delay since the previous scrape (prom-client resets it on every scrape). */
  lagP99Sec?: number;
}

/** The cluster at one moment: its processes, its hop histograms, and this machine's services. */
export interface ClusterSample {
  at: number;
  processes: ProcessCounters[];
  /** Hop histograms by process (its `node` label), then by hop: a restarted process's counters start again from zero. */
  hops: Map<string, Map<string, BucketCounts>>;
  /** CPU seconds of this machine's postgres, nats-server and redis-server processes, by name. */
  services: Map<string, number>;
}

/** A load process's own use over the run (from start to the end of its drain). */
export interface LoadUsage {
  cpuSec: number;
  busySec: number;
  wallSec: number;
  delayP99Ms: number;
}

export interface UsageRow {
  /** node: a server process; thread: one thread of one (its CPU is in its process's, not added again). */
  kind: 'node' | 'thread' | 'service' | 'load';
  name: string;
  role: string;
  cpuSec: number;
  /** CPU seconds per 1,000 messages sent in the window. */
  cpuPer1000: number;
  /** Cores used on average over the window. */
  cores: number;
  /** Share of the window the event loop was busy (0..1), where known. */
  loopBusy?: number;
  loopDelayP99Ms?: number;
}

export interface HopRow {
  hop: string;
  from: string;
  to: string;
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  meanMs: number;
  /** The buckets these figures come from (the report keeps them in `histograms.hops`). */
  histogram?: StoredBuckets;
}

export interface UsageReport {
  windowSec: number;
  messages: number;
  rows: UsageRow[];
  /** CPU seconds per 1,000 messages: the chat-node processes, the services, both, and the load generator. */
  perThousand: { nodes: number; services: number; server: number; load: number };
  /** The load generator's share of all CPU used in the window (0..1). */
  loadShare: number;
  /** Set when a load process was saturated: its own queueing is in the latency figures. */
  loadBottleneck?: string;
  hops: HopRow[];
}

/** A load process whose event loop was busy this much of the run could not send or read on time. */
export const LOAD_BUSY_LIMIT = 0.85;

const COUNTER_NAMES = new Set([
  'process_cpu_seconds_total',
  'chat_thread_cpu_seconds_total',
  'chat_event_loop_busy_seconds_total',
  'nodejs_eventloop_lag_p99_seconds',
]);
const HOP_METRICS = ['chat_gateway_hop_seconds', 'chat_fanout_hop_seconds'];
const SERVICE_NAMES = new Set(['postgres', 'nats-server', 'redis-server']);

/** Scrapes every target (a failed scrape leaves its process out) and reads the services' CPU. */
export async function sampleCluster(targets: MetricsTarget[], withServices: boolean): Promise<ClusterSample> {
  const processes: ProcessCounters[] = [];
  const hops = new Map<string, Map<string, BucketCounts>>();
  await Promise.all(
    [...new Map(targets.map((t) => [t.url, t])).values()].map(async (target) => {
      const text = await scrape(target.url).catch(() => '');
      const samples = parsePromText(
        text,
        (name) => COUNTER_NAMES.has(name) || HOP_METRICS.some((hop) => name.startsWith(hop)),
      );
      processes.push(...countersOf(samples, target));
      const byNode = new Map<string, PromSample[]>();
      for (const sample of samples) {
        if (!HOP_METRICS.some((metric) => sample.name.startsWith(metric))) continue;
        const node = sample.labels.node ?? target.url;
        byNode.set(node, [...(byNode.get(node) ?? []), sample]);
      }
      for (const [node, nodeSamples] of byNode) {
        const own = new Map<string, BucketCounts>();
        for (const metric of HOP_METRICS) {
          for (const [hop, buckets] of histogramsBy(nodeSamples, metric, 'hop'))
            own.set(hop, addBuckets(own.get(hop), buckets));
        }
        hops.set(node, own);
      }
    }),
  );
  return { at: Date.now(), processes, hops, services: withServices ? serviceCpu() : new Map<string, number>() };
}

/** The processes (and, where a process runs roles on several threads, its threads) of one /metrics text. */
export function countersOf(samples: PromSample[], target: MetricsTarget): ProcessCounters[] {
  const byNode = new Map<
    string,
    { role: string; processCpu?: number; threadCpu?: number; busySec?: number; lagP99Sec?: number }
  >();
  for (const sample of samples) {
    if (!COUNTER_NAMES.has(sample.name)) continue;
    const node = sample.labels.node ?? target.url;
    let entry = byNode.get(node);
    if (!entry) byNode.set(node, (entry = { role: sample.labels.role ?? '?' }));
    if (sample.name === 'process_cpu_seconds_total') entry.processCpu = (entry.processCpu ?? 0) + sample.value;
    else if (sample.name === 'chat_thread_cpu_seconds_total') entry.threadCpu = (entry.threadCpu ?? 0) + sample.value;
    else if (sample.name === 'chat_event_loop_busy_seconds_total') entry.busySec = (entry.busySec ?? 0) + sample.value;
    else entry.lagP99Sec = Math.max(entry.lagP99Sec ?? 0, sample.value);
  }
  const threaded = [...byNode.values()].some((entry) => entry.threadCpu !== undefined);
  const counters: ProcessCounters[] = [];
  for (const [name, entry] of byNode) {
    const loop = {
      ...(entry.busySec !== undefined ? { busySec: entry.busySec } : {}),
      ...(entry.lagP99Sec !== undefined ? { lagP99Sec: entry.lagP99Sec } : {}),
    };
    if (!threaded) {
      counters.push({ kind: 'node', name, role: target.role ?? entry.role, cpuSec: entry.processCpu ?? 0, ...loop });
      continue;
    }
    if (entry.processCpu !== undefined)
      counters.push({
        kind: 'node',
        name: `${name} (process)`,
        role: target.role ?? entry.role,
        cpuSec: entry.processCpu,
      });
    if (entry.threadCpu !== undefined)
      counters.push({ kind: 'thread', name, role: entry.role, cpuSec: entry.threadCpu, ...loop });
  }
  return counters;
}

/** CPU seconds so far of this machine's Postgres, NATS and Redis processes, from /proc. */
export function serviceCpu(): Map<string, number> {
  const cpu = new Map<string, number>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return cpu;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const name = stat.slice(stat.indexOf('(') + 1, close);
      if (!SERVICE_NAMES.has(name)) continue;
      const fields = stat.slice(close + 2).split(' ');
      // utime, stime, cutime and cstime (fields 14-17 of stat), in clock ticks of 1/100 s on
      // Linux. The last two hold reaped children: a Postgres backend that ends while the run
      // goes on takes its CPU along, into its postmaster's cutime.
      const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
      cpu.set(name, (cpu.get(name) ?? 0) + ticks / 100);
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return cpu;
}

/** What the cluster, its services and the load processes spent between two samples, per message. */
export function usageBetween(
  before: ClusterSample,
  after: ClusterSample,
  loads: LoadUsage[],
  messages: number,
): UsageReport {
  const windowSec = Math.max(0.001, (after.at - before.at) / 1000);
  const per1000 = (cpuSec: number) => (messages > 0 ? (cpuSec / messages) * 1000 : 0);
  const rows: UsageRow[] = [];
  for (const process of after.processes) {
    const start = before.processes.find((p) => p.name === process.name && p.kind === process.kind);
    // A process that restarted in between has counters below its earlier ones: count from zero.
    const cpuSec = start && start.cpuSec <= process.cpuSec ? process.cpuSec - start.cpuSec : process.cpuSec;
    const row: UsageRow = {
      kind: process.kind,
      name: process.name,
      role: process.role,
      cpuSec,
      cpuPer1000: per1000(cpuSec),
      cores: cpuSec / windowSec,
    };
    if (process.busySec !== undefined) {
      const busy =
        start?.busySec !== undefined && start.busySec <= process.busySec
          ? process.busySec - start.busySec
          : process.busySec;
      row.loopBusy = Math.min(1, busy / windowSec);
    }
    if (process.lagP99Sec !== undefined) row.loopDelayP99Ms = process.lagP99Sec * 1000;
    rows.push(row);
  }
  for (const [name, cpu] of after.services) {
    const cpuSec = Math.max(0, cpu - (before.services.get(name) ?? 0));
    rows.push({
      kind: 'service',
      name,
      role: 'service',
      cpuSec,
      cpuPer1000: per1000(cpuSec),
      cores: cpuSec / windowSec,
    });
  }
  loads.forEach((load, index) => {
    rows.push({
      kind: 'load',
      name: `load-${index + 1}`,
      role: 'load',
      cpuSec: load.cpuSec,
      cpuPer1000: per1000(load.cpuSec),
      cores: load.cpuSec / Math.max(0.001, load.wallSec),
      loopBusy: Math.min(1, load.busySec / Math.max(0.001, load.wallSec)),
      loopDelayP99Ms: load.delayP99Ms,
    });
  });
  const sum = (kind: UsageRow['kind']) => rows.filter((r) => r.kind === kind).reduce((total, r) => total + r.cpuSec, 0);
  const nodes = sum('node');
  const services = sum('service');
  const load = sum('load');
  const busiest = rows.filter((r) => r.kind === 'load').sort((a, b) => (b.loopBusy ?? 0) - (a.loopBusy ?? 0))[0];
  const report: UsageReport = {
    windowSec,
    messages,
    rows,
    perThousand: {
      nodes: per1000(nodes),
      services: per1000(services),
      server: per1000(nodes + services),
      load: per1000(load),
    },
    loadShare: nodes + services + load > 0 ? load / (nodes + services + load) : 0,
    hops: hopRows(before.hops, after.hops),
  };
  if (busiest?.loopBusy !== undefined && busiest.loopBusy >= LOAD_BUSY_LIMIT) {
    report.loadBottleneck = `${busiest.name}'s event loop was busy ${(busiest.loopBusy * 100).toFixed(0)}% of the run (limit ${LOAD_BUSY_LIMIT * 100}%): its own queueing is in the latency figures; add --processes`;
  }
  return report;
}

/**
 * Each hop's distribution between two samples, in the order a message takes them: per process
 * what it recorded in between (all it recorded, if it restarted), summed over processes.
 */
export function hopRows(before: ClusterSample['hops'], after: ClusterSample['hops']): HopRow[] {
  const recorded = new Map<string, BucketCounts>();
  for (const [node, hops] of after) {
    for (const [hop, end] of hops) {
      const start = before.get(node)?.get(hop);
      const delta = start && start.count <= end.count ? subtractBuckets(end, start) : end;
      recorded.set(hop, addBuckets(recorded.get(hop), delta));
    }
  }
  return hopRowsOf(recorded);
}

/** The hop rows of histograms by hop, in the order a message takes the hops; each row keeps its histogram. */
export function hopRowsOf(byHop: ReadonlyMap<string, BucketCounts>): HopRow[] {
  const rows: HopRow[] = [];
  for (const { hop, from, to } of HOPS) {
    const buckets = byHop.get(hop);
    if (!buckets || buckets.count <= 0) continue;
    const ms = (q: number) => bucketQuantile(buckets, q) * 1000;
    rows.push({
      hop,
      from,
      to,
      count: buckets.count,
      p50Ms: ms(0.5),
      p90Ms: ms(0.9),
      p99Ms: ms(0.99),
      meanMs: (buckets.sum / buckets.count) * 1000,
      histogram: storeBuckets(buckets),
    });
  }
  return rows;
}

/**
 * The usage tables of a report, for people; `unit` is what the per-1,000 figures count (the
 * sends of the run, or the devices connected in the connect phase).
 */
export function formatUsage(usage: UsageReport, unit: 'messages' | 'connects' = 'messages'): string[] {
  const lines: string[] = [];
  const num = (value: number, digits = 2) => value.toFixed(digits);
  lines.push(
    '',
    unit === 'messages'
      ? `  CPU over ${num(usage.windowSec, 1)} s, ${usage.messages} messages`
      : `  CPU while devices connected: ${num(usage.windowSec, 1)} s, ${usage.messages} connects`,
    `  ${'process'.padEnd(22)} ${'role'.padEnd(9)} ${'CPU s'.padStart(8)} ${(unit === 'messages' ? 's/1k msgs' : 's/1k conns').padStart(10)} ${'cores'.padStart(6)} ${'loop busy'.padStart(10)} ${'delay p99'.padStart(10)}`,
  );
  const order = { node: 0, thread: 1, service: 2, load: 3 };
  for (const row of [...usage.rows].sort((a, b) => order[a.kind] - order[b.kind] || b.cpuSec - a.cpuSec)) {
    lines.push(
      `  ${(row.kind === 'thread' ? `  ${row.name} thread` : row.name).padEnd(22)} ${row.role.padEnd(9)} ${num(row.cpuSec).padStart(8)} ${num(row.cpuPer1000, 3).padStart(10)} ${num(row.cores).padStart(6)} ${(row.loopBusy === undefined ? '-' : `${(row.loopBusy * 100).toFixed(0)}%`).padStart(10)} ${(row.loopDelayP99Ms === undefined ? '-' : `${num(row.loopDelayP99Ms, 1)} ms`).padStart(10)}`,
    );
  }
  const t = usage.perThousand;
  lines.push(
    `  per 1,000 ${unit}: cluster processes ${num(t.nodes, 3)} s + services ${num(t.services, 3)} s = ${num(t.server, 3)} CPU s; load generator ${num(t.load, 3)} s (${(usage.loadShare * 100).toFixed(0)}% of all CPU)`,
  );
  if (usage.hops.length > 0) {
    lines.push(
      '',
      `  ${'hop'.padEnd(9)} ${'from -> to'.padEnd(58)} ${'count'.padStart(8)} ${'p50'.padStart(9)} ${'p90'.padStart(9)} ${'p99'.padStart(9)}`,
    );
    for (const hop of usage.hops) {
      lines.push(
        `  ${hop.hop.padEnd(9)} ${`${hop.from} -> ${hop.to}`.padEnd(58)} ${String(hop.count).padStart(8)} ${`${num(hop.p50Ms)} ms`.padStart(9)} ${`${num(hop.p90Ms)} ms`.padStart(9)} ${`${num(hop.p99Ms)} ms`.padStart(9)}`,
      );
    }
  }
  return lines;
}
