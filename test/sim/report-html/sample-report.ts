import { LatencyTimeline } from '../../../src/sim/hdr/index.js';
import { summarizeSweep, type SweepStep, type SweepSummary } from '../../../src/sim/runner/rate-sweep.js';
import type { RunMetadata } from '../../../src/sim/runner/run-metadata.js';
import { runTimeline } from '../../../src/sim/runner/run-timeline.js';
import { buildReport, type SimReport } from '../../../src/sim/runner/sim-report.js';
import { hopRowsOf } from '../../../src/sim/runner/cluster-usage.js';
import { compareWithFloor } from '../../../src/sim/runner/floor-comparison.js';
import { T0 } from '../oracle/synthetic-run.js';
import { hopBuckets, syntheticOutcome } from '../runner/synthetic-outcome.js';

/** A name a scenario file, a cluster or a client could give, made to break a page that does not escape it. */
export const HOSTILE = `<script>alert("x")</script><img src=x onerror=alert(1)>&amp;'`;

/**
 * A report of the synthetic run with every section a page draws: two gateway nodes (one of two
 * worker processes), CPU rows of each kind, three hops, the floor beside it, a violation and a
 * warning, and hostile names in the scenario, a node, a room and a finding's detail.
 */
export function sampleReport(): SimReport {
  const outcome = syntheticOutcome({ deliverMs: (i) => 2 + (i % 5) * 4 });
  outcome.nodesBefore = [
    { node: 'gw-1', connections: 0, rssBytes: 80 * 2 ** 20, processes: [] },
    { node: HOSTILE, connections: 0, rssBytes: 70 * 2 ** 20, processes: [] },
  ];
  outcome.nodesSteady = [
    {
      node: 'gw-1',
      connections: 3,
      rssBytes: 96 * 2 ** 20,
      processes: [
        { process: 'gw-1-w1', connections: 2, rssBytes: 50 * 2 ** 20 },
        { process: 'gw-1-w2', connections: 1, rssBytes: 46 * 2 ** 20 },
      ],
    },
    {
      node: HOSTILE,
      connections: 2,
      rssBytes: 74 * 2 ** 20,
      processes: [{ process: HOSTILE, connections: 2, rssBytes: 74 * 2 ** 20 }],
    },
  ];
  outcome.usage.rows.push(
    {
      kind: 'node',
      name: 'fanout-1',
      role: 'fanout',
      cpuSec: 0.9,
      cpuPer1000: 150,
      cores: 0.09,
      loopBusy: 0.21,
      loopDelayP99Ms: 11.5,
    },
    { kind: 'service', name: 'postgres', role: 'service', cpuSec: 0.4, cpuPer1000: 66, cores: 0.04 },
    {
      kind: 'load',
      name: 'load-1',
      role: 'load',
      cpuSec: 0.2,
      cpuPer1000: 33,
      cores: 0.02,
      loopBusy: 0.07,
      loopDelayP99Ms: 12.7,
    },
  );
  outcome.usage.hops = hopRowsOf(
    new Map([
      ['publish', hopBuckets([5, 6, 6], 0.004)],
      ['commit', hopBuckets([2, 5, 6], 0.008)],
      ['write', hopBuckets([6, 6, 6], 0.003)],
    ]),
  );
  outcome.scenario = { ...outcome.scenario, name: `synthetic ${HOSTILE}` };
  const report = withBusyTimeline(buildReport(outcome, { meta: META }).report);
  report.oracle.violations.push({
    kind: 'missing',
    room: HOSTILE,
    roomKey: 'g1',
    seq: 3,
    device: 'u1/d1',
    detail: `never shown ${HOSTILE}`,
  });
  report.oracle.violationCounts.missing += 1;
  report.oracle.totalViolations += 1;
  const oracleRow = report.slos.find((slo) => slo.name === 'oracle')!;
  Object.assign(oracleRow, { measured: '1 violations', pass: false });
  report.oracle.ok = false;
  report.oracle.warnings.push({
    kind: 'unacked-delivered',
    room: 'r1',
    seq: 2,
    detail: 'committed and delivered, never acked',
  });
  report.oracle.warningCounts['unacked-delivered'] += 1;
  const floor = {
    ...report,
    deliver: { ...report.deliver, p50: report.deliver.p50 / 2, p99: report.deliver.p99 / 2 },
    pass: true,
  };
  return compareWithFloor(report, floor, { deliverP99: 3 }, 'reports/sample-floor.json');
}

export const META: RunMetadata = {
  chatNode: { version: '0.1.0', commit: { hash: 'abc1234', dirty: true } },
  node: 'v20.20.2',
  machine: { os: 'Linux', kernel: '6.1.0', arch: 'x64', cpuModel: HOSTILE, cpus: 2, memoryBytes: 24 * 2 ** 30 },
  cluster: { kind: 'external', urls: ['ws://127.0.0.1:8080/v1/ws'] },
  scenario: { file: 'scenarios/synthetic.yaml', sha256: 'f'.repeat(64) },
  options: { rate: 200, pushPolicy: 'always', floor: true },
};

/**
 * 30 seconds of load instead of the small plan's 6 messages, so that the charts have a shape:
 * sends ramp up to 200/s, latencies spread from 1 ms to a few hundred (a fixed pseudo-random
 * draw), a slow patch at second 20. The deliver and ack figures and histograms are this load's.
 */
function withBusyTimeline(report: SimReport): SimReport {
  const deliver = new LatencyTimeline();
  const ack = new LatencyTimeline();
  const sentBySecond: Array<[number, number]> = [];
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let second = 0; second < 30; second++) {
    const sends = Math.min(200, 20 + second * 20);
    sentBySecond.push([Math.floor(T0 / 1000) + second, sends]);
    for (let i = 0; i < sends; i++) {
      const at = T0 + second * 1000 + (i * 1000) / sends;
      const slow = second >= 20 && second < 23 ? 8 : 1;
      const ms = slow * (1.5 + 3 * -Math.log(1 - random() * 0.9999));
      ack.record(ms * 0.4, at + ms * 0.4);
      for (let copy = 0; copy < 3; copy++) deliver.record(ms * (1 + copy * 0.2), at + ms);
    }
  }
  const deliverTotal = deliver.total();
  const ackTotal = ack.total();
  return {
    ...report,
    deliver: deliverTotal.percentiles(),
    ack: ackTotal.percentiles(),
    timeline: runTimeline({ t0: T0, deliver, ack, sentBySecond }),
    histograms: { ...report.histograms, deliver: deliverTotal.encode(), ack: ackTotal.encode() },
  };
}

/** A rate sweep of four steps run beside the floor: the top one failed; one step's report has a hostile name. */
export function sampleSweep(): SweepSummary {
  const step = (rate: number, p50: number, p99: number, pass: boolean, report: string): SweepStep => ({
    rate,
    sentPerSec: rate * 0.99,
    deliveredPerSec: rate * 2.9,
    deliverP50Ms: p50,
    deliverP99Ms: p99,
    completeness: pass ? 1 : 0.9987,
    violations: pass ? 0 : 4,
    pass,
    report,
    floor: { sentPerSec: rate, deliverP50Ms: p50 / 2, deliverP99Ms: p99 / 3, pass: true },
  });
  return summarizeSweep('pairs', [
    step(500, 2.1, 9.5, true, 'reports/sweep-500.json'),
    step(1000, 2.4, 12.8, true, 'reports/sweep-1000.json'),
    step(2000, 3.9, 41, true, `reports/${HOSTILE}.json`),
    step(4000, 35, 900, false, 'reports/sweep-4000.json'),
  ]);
}
