import { LatencyDistribution, LatencyTimeline } from '../../../src/sim/hdr/index.js';
import { hopRowsOf, type UsageReport } from '../../../src/sim/runner/cluster-usage.js';
import type { RunOutcome } from '../../../src/sim/runner/coordinator.js';
import type { BucketCounts } from '../../../src/sim/runner/prom-text.js';
import { planSummary } from '../../../src/sim/scenario/index.js';
import { flawlessRun, smallPlan, T0 } from '../oracle/synthetic-run.js';
import { scenario } from '../scenario/helpers.js';

/** Prometheus buckets of a hop: `counts` cumulative over 1 ms, 2 ms and +Inf. */
export function hopBuckets(counts: [number, number, number], sumSec: number): BucketCounts {
  return { bounds: [0.001, 0.002, Number.POSITIVE_INFINITY], counts, sum: sumSec, count: counts[2] };
}

/**
 * What the coordinator hands the report builder after a flawless run of the small plan: every
 * delivery `deliverMs` after its send (in the second of its send), one load process, one
 * gateway, a commit hop, connects of 20 and 40 ms. No cluster needed.
 */
export function syntheticOutcome(options: { deliverMs?: (i: number) => number } = {}): RunOutcome {
  const plan = smallPlan(3);
  const run = flawlessRun(plan);
  const deliver = new LatencyTimeline();
  const ack = new LatencyTimeline();
  const sentBySecond = new Map<number, number>();
  run.acks.forEach((record, i) => {
    ack.record(record.ackedAt - record.sentAt, record.ackedAt);
    deliver.record(options.deliverMs?.(i) ?? 10, record.sentAt + 10);
    const second = Math.floor(record.sentAt / 1000);
    sentBySecond.set(second, (sentBySecond.get(second) ?? 0) + 1);
  });
  const connects = new LatencyDistribution();
  connects.recordMs(20);
  connects.recordMs(40);
  const usage: UsageReport = {
    windowSec: 10,
    messages: plan.sends.length,
    rows: [{ kind: 'node', name: 'gw-1', role: 'gateway', cpuSec: 0.6, cpuPer1000: 100, cores: 0.06 }],
    perThousand: { nodes: 100, services: 0, server: 100, load: 10 },
    loadShare: 0.1,
    hops: hopRowsOf(new Map([['commit', hopBuckets([4, 6, 6], 0.006)]])),
  };
  return {
    scenario: scenario('name: synthetic\nusers: 4\nmessages: { totalRate: 1 }\n', 'synthetic.yaml'),
    plan,
    summary: planSummary(plan),
    roomIds: run.roomIds,
    t0: T0,
    endedAt: run.endedAt,
    outputs: [
      {
        slowest: [],
        logs: run.logs,
        acks: run.acks,
        windows: run.windows,
        deliver: deliver.encode(),
        ack: ack.encode(),
        sentBySecond: [...sentBySecond],
        errors: 0,
        allOnline: true,
        checks: { push: {}, presence: [], typing: [] },
      },
    ],
    nodesBefore: [],
    nodesSteady: [],
    progress: [
      {
        type: 'progress',
        index: 0,
        connected: 5,
        devices: 5,
        sent: plan.sends.length,
        acked: plan.sends.length,
        delivered: 0,
        errors: 0,
        deliverSince: '',
        connectSince: '',
        connectWindow: 0,
      },
    ],
    usage,
    slowest: [],
    connect: { devices: 5, seconds: 0.5, perSecond: 10, p50Ms: 20, p99Ms: 40 },
    connectTimes: connects.encode(),
  };
}
