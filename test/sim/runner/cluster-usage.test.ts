import { describe, expect, it } from 'vitest';
import type { BucketCounts } from '../../../src/sim/runner/prom-text.js';
import {
  countersOf,
  formatUsage,
  hopRows,
  LOAD_BUSY_LIMIT,
  usageBetween,
  type ClusterSample,
  type LoadUsage,
  type UsageRow,
} from '../../../src/sim/runner/cluster-usage.js';
import { parsePromText } from '../../../src/sim/runner/prom-text.js';

const INF = Number.POSITIVE_INFINITY;
const buckets = (counts: number[], sum: number): BucketCounts => ({
  bounds: [0.001, 0.002, INF],
  counts,
  sum,
  count: counts.at(-1)!,
});

/** A cluster sample; `at` in seconds. */
function sample(
  atSec: number,
  processes: ClusterSample['processes'],
  services: Record<string, number> = {},
  hops: Record<string, BucketCounts> = {},
): ClusterSample {
  return {
    at: atSec * 1000,
    processes,
    hops: byNode({ 'fanout-1': hops }),
    services: new Map(Object.entries(services)),
  };
}

/** Hop histograms by process, then by hop. */
function byNode(nodes: Record<string, Record<string, BucketCounts>>): ClusterSample['hops'] {
  return new Map(Object.entries(nodes).map(([node, hops]) => [node, new Map(Object.entries(hops))]));
}

const idleLoad = (busySec: number, wallSec = 10): LoadUsage => ({ cpuSec: 1, busySec, wallSec, delayP99Ms: 2 });
const rowOf = (rows: UsageRow[], name: string) => rows.find((row) => row.name === name)!;

describe('cluster usage', () => {
  it('charges each process the CPU it used in the window, per 1,000 messages and in cores', () => {
    const before = sample(100, [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 10, busySec: 5 }]);
    const after = sample(110, [
      { kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 14, busySec: 7, lagP99Sec: 0.012 },
    ]);
    const usage = usageBetween(before, after, [], 2000);
    expect(usage.windowSec).toBe(10);
    expect(usage.messages).toBe(2000);
    const gw = rowOf(usage.rows, 'gw-1');
    expect(gw).toMatchObject({ kind: 'node', role: 'gateway', cpuSec: 4 });
    expect(gw.cpuPer1000).toBeCloseTo(2, 10);
    expect(gw.cores).toBeCloseTo(0.4, 10);
    expect(gw.loopBusy).toBeCloseTo(0.2, 10);
    expect(gw.loopDelayP99Ms).toBeCloseTo(12, 10);
  });

  it('counts a process that restarted in the window from zero, since its counters went down', () => {
    const before = sample(0, [{ kind: 'node', name: 'fanout-1', role: 'fanout', cpuSec: 20, busySec: 8 }]);
    const after = sample(10, [{ kind: 'node', name: 'fanout-1', role: 'fanout', cpuSec: 3, busySec: 1 }]);
    const fanout = rowOf(usageBetween(before, after, [], 1000).rows, 'fanout-1');
    expect(fanout.cpuSec).toBe(3);
    expect(fanout.loopBusy).toBeCloseTo(0.1, 10);
  });

  it('counts a process first seen after the window began from zero, and leaves unknown loop figures unset', () => {
    const after = sample(10, [{ kind: 'node', name: 'presence-1', role: 'presence', cpuSec: 0.5 }]);
    const row = rowOf(usageBetween(sample(0, []), after, [], 1000).rows, 'presence-1');
    expect(row.cpuSec).toBe(0.5);
    expect(row.loopBusy).toBeUndefined();
    expect(row.loopDelayP99Ms).toBeUndefined();
  });

  it("adds a row for each of this machine's services and each load process", () => {
    const before = sample(0, [], { postgres: 100, 'nats-server': 50 });
    const after = sample(10, [], { postgres: 102, 'nats-server': 51, 'redis-server': 0.5 });
    const usage = usageBetween(before, after, [{ cpuSec: 2, busySec: 5, wallSec: 10, delayP99Ms: 3 }], 2000);
    expect(usage.rows.map((row) => [row.kind, row.name, row.role])).toEqual([
      ['service', 'postgres', 'service'],
      ['service', 'nats-server', 'service'],
      ['service', 'redis-server', 'service'],
      ['load', 'load-1', 'load'],
    ]);
    expect(rowOf(usage.rows, 'postgres').cpuSec).toBe(2);
    // A service that started in the window counts all its CPU.
    expect(rowOf(usage.rows, 'redis-server').cpuSec).toBe(0.5);
    expect(rowOf(usage.rows, 'load-1')).toMatchObject({ cpuSec: 2, cores: 0.2, loopBusy: 0.5, loopDelayP99Ms: 3 });
  });

  it('sums the CPU per 1,000 messages by kind, and the load generator share of all of it', () => {
    const before = sample(
      0,
      [
        { kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 10 },
        { kind: 'node', name: 'fanout-1', role: 'fanout', cpuSec: 5 },
      ],
      { postgres: 100, 'nats-server': 50 },
    );
    const after = sample(
      10,
      [
        { kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 14 },
        { kind: 'node', name: 'fanout-1', role: 'fanout', cpuSec: 8 },
      ],
      { postgres: 102, 'nats-server': 51.5 },
    );
    const usage = usageBetween(
      before,
      after,
      [
        { cpuSec: 1.5, busySec: 2, wallSec: 10, delayP99Ms: 1 },
        { cpuSec: 1, busySec: 2, wallSec: 10, delayP99Ms: 1 },
      ],
      2000,
    );
    // Nodes 7 s, services 3.5 s, load 2.5 s over 2,000 messages.
    expect(usage.perThousand.nodes).toBeCloseTo(3.5, 10);
    expect(usage.perThousand.services).toBeCloseTo(1.75, 10);
    expect(usage.perThousand.server).toBeCloseTo(5.25, 10);
    expect(usage.perThousand.load).toBeCloseTo(1.25, 10);
    expect(usage.loadShare).toBeCloseTo(2.5 / 13, 10);
  });

  it('reports no CPU per message for a window without messages', () => {
    const usage = usageBetween(
      sample(0, [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 1 }]),
      sample(10, [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 2 }]),
      [],
      0,
    );
    expect(usage.perThousand).toEqual({ nodes: 0, services: 0, server: 0, load: 0 });
    expect(rowOf(usage.rows, 'gw-1')).toMatchObject({ cpuSec: 1, cpuPer1000: 0 });
  });

  it('names the busiest load process as the bottleneck when its loop was busy at the limit', () => {
    const usage = usageBetween(sample(0, []), sample(10, []), [idleLoad(2), idleLoad(LOAD_BUSY_LIMIT * 10)], 1000);
    expect(usage.loadBottleneck).toMatch(/^load-2's event loop was busy 85% of the run \(limit 85%\)/);
    expect(usage.loadBottleneck).toContain('add --processes');
  });

  it('names a saturated load process above the limit', () => {
    const usage = usageBetween(sample(0, []), sample(10, []), [idleLoad(9.8), idleLoad(3)], 1000);
    expect(usage.loadBottleneck).toMatch(/^load-1's event loop was busy 98%/);
  });

  it('finds no bottleneck when every load process stayed below the limit, however busy the cluster', () => {
    const saturatedNode = sample(10, [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 10, busySec: 10 }]);
    const usage = usageBetween(
      sample(0, [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 0, busySec: 0 }]),
      saturatedNode,
      [idleLoad(8.4)],
      1000,
    );
    expect(rowOf(usage.rows, 'gw-1').loopBusy).toBe(1);
    expect(usage.loadBottleneck).toBeUndefined();
  });

  it('gives each hop its distribution between the two samples, in the order a message takes them', () => {
    const before = { commit: buckets([5, 10, 10], 0.01), publish: buckets([3, 3, 3], 0.001) };
    // Inserted out of order: the rows follow HOPS, not the scrape.
    const after = {
      write: buckets([4, 4, 4], 0.002),
      commit: buckets([15, 30, 30], 0.04),
      publish: buckets([3, 3, 3], 0.001),
    };
    const rows = hopRows(byNode({ 'fanout-1': before }), byNode({ 'fanout-1': after }));
    expect(rows.map((row) => row.hop)).toEqual(['commit', 'write']);
    const [commit, write] = rows;
    expect(commit).toMatchObject({ from: 'commit started', to: 'committed', count: 20 });
    expect(commit!.meanMs).toBeCloseTo(1.5, 10);
    expect(commit!.p50Ms).toBeCloseTo(1, 10);
    expect(commit!.p90Ms).toBeCloseTo(1.8, 10);
    expect(commit!.p99Ms).toBeCloseTo(1.98, 10);
    // A hop first seen in the second sample counts everything it recorded.
    expect(write).toMatchObject({ from: 'published for delivery', to: 'written to the socket', count: 4 });
    expect(write!.meanMs).toBeCloseTo(0.5, 10);
  });

  it("sums each process's hops, counting a restarted process from zero", () => {
    const before = byNode({
      'fanout-1': { commit: buckets([30, 30, 30], 0.02) },
      'fanout-2': { commit: buckets([2, 2, 2], 0.001) },
    });
    // fanout-1 restarted: its 4 are all new; fanout-2 recorded 6 more.
    const after = byNode({
      'fanout-1': { commit: buckets([4, 4, 4], 0.002) },
      'fanout-2': { commit: buckets([2, 8, 8], 0.01) },
    });
    expect(hopRows(before, after)).toMatchObject([{ hop: 'commit', count: 10 }]);
  });

  it('carries the hop rows into the usage report', () => {
    const usage = usageBetween(
      sample(0, [], {}, { pull: buckets([1, 1, 1], 0.0005) }),
      sample(10, [], {}, { pull: buckets([1, 3, 3], 0.003) }),
      [],
      100,
    );
    expect(usage.hops.map((row) => [row.hop, row.count])).toEqual([['pull', 2]]);
  });

  it('prints the cluster processes, then the services, then the load, and the hops when there are any', () => {
    const before = sample(0, [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 0 }], { postgres: 0 });
    const after = sample(
      10,
      [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 1 }],
      { postgres: 3 },
      { route: buckets([2, 2, 2], 0.001) },
    );
    const lines = formatUsage(usageBetween(before, after, [idleLoad(1)], 1000));
    const names = ['gw-1', 'postgres', 'load-1'].map((name) =>
      lines.findIndex((line) => line.trimStart().startsWith(name)),
    );
    expect(names.every((index) => index > 0)).toBe(true);
    expect(names).toEqual([...names].sort((a, b) => a - b));
    // The gateway's loop and the service's are unknown.
    expect(lines[names[0]!]).toMatch(/-\s+-$/);
    expect(
      lines.some((line) =>
        /per 1,000 messages: cluster processes 1\.000 s \+ services 3\.000 s = 4\.000 CPU s; load generator 1\.000 s \(20% of all CPU\)/.test(
          line,
        ),
      ),
    ).toBe(true);
    expect(lines.some((line) => /^\s+route\s+committed -> published for delivery\s+2\s/.test(line))).toBe(true);
    expect(
      formatUsage(usageBetween(before, sample(10, []), [], 1000)).some((line) => line.includes('from -> to')),
    ).toBe(false);
  });

  it('splits a process that runs roles on threads into its threads, and counts the process once', () => {
    const text = [
      'process_cpu_seconds_total{role="gateway",node="dev"} 12',
      'chat_event_loop_busy_seconds_total{role="gateway",node="dev"} 3',
      'nodejs_eventloop_lag_p99_seconds{role="gateway",node="dev"} 0.02',
      'chat_thread_cpu_seconds_total{role="gateway",node="dev"} 5',
      'chat_event_loop_busy_seconds_total{role="fanout",node="dev-fanout"} 4',
      'chat_thread_cpu_seconds_total{role="fanout",node="dev-fanout"} 6',
    ].join('\n');
    const counters = countersOf(parsePromText(text), { url: 'http://127.0.0.1:8080/metrics', role: 'dev' });
    expect(counters).toEqual([
      { kind: 'node', name: 'dev (process)', role: 'dev', cpuSec: 12 },
      { kind: 'thread', name: 'dev', role: 'gateway', cpuSec: 5, busySec: 3, lagP99Sec: 0.02 },
      { kind: 'thread', name: 'dev-fanout', role: 'fanout', cpuSec: 6, busySec: 4 },
    ]);
    const before = sample(
      0,
      counters.map((c) => ({ ...c, cpuSec: 0, busySec: 0 })),
    );
    const usage = usageBetween(before, sample(10, counters), [], 1000);
    // The threads' CPU is the process's: counted once, in the process.
    expect(usage.perThousand.nodes).toBe(12);
    expect(rowOf(usage.rows, 'dev-fanout')).toMatchObject({ kind: 'thread', cpuSec: 6, loopBusy: 0.4 });
    expect(formatUsage(usage).some((line) => /^\s+dev-fanout thread\s+fanout\s+6\.00/.test(line))).toBe(true);
  });

  it('keeps one row per process when no thread reports its own CPU', () => {
    const text =
      'process_cpu_seconds_total{role="fanout",node="fanout-1"} 3\nchat_event_loop_busy_seconds_total{role="fanout",node="fanout-1"} 1';
    expect(countersOf(parsePromText(text), { url: 'u' })).toEqual([
      { kind: 'node', name: 'fanout-1', role: 'fanout', cpuSec: 3, busySec: 1 },
    ]);
  });
});
