import { describe, expect, it } from 'vitest';
import { compareWithFloor, formatFloorComparison } from '../../../src/sim/runner/floor-comparison.js';
import type { SimReport, SloResult } from '../../../src/sim/runner/sim-report.js';
import type { UsageReport } from '../../../src/sim/runner/cluster-usage.js';
import type { LatencyPercentiles } from '../../../src/sim/hdr/index.js';

const latency = (p50: number, p99: number): LatencyPercentiles => ({
  count: 1000,
  p50,
  p90: p99,
  p99,
  p999: p99,
  max: p99,
});
const usage = (serverCpuPer1000: number): UsageReport => ({
  windowSec: 10,
  messages: 1000,
  rows: [],
  perThousand: { nodes: serverCpuPer1000, services: 0, server: serverCpuPer1000, load: 0.5 },
  loadShare: 0.1,
  hops: [],
});

/** The parts of a run's report the comparison reads; the rest does not matter to it. */
function report(figures: {
  deliver: LatencyPercentiles;
  ack: LatencyPercentiles;
  cpu: number;
  sentPerSec?: number;
  slos?: SloResult[];
}): SimReport {
  const slos = figures.slos ?? [{ name: 'deliver p99', target: '<= 50 ms', measured: '10 ms', pass: true }];
  return {
    scenario: 'pairs',
    deliver: figures.deliver,
    ack: figures.ack,
    throughput: { sentPerSec: figures.sentPerSec ?? 1000, deliveredPerSec: 1000 },
    usage: usage(figures.cpu),
    slos,
    pass: slos.every((slo) => slo.pass),
  } as SimReport;
}

const FLOOR = report({ deliver: latency(2, 10), ack: latency(1, 5), cpu: 3, sentPerSec: 998 });
const CHAT_NODE = report({ deliver: latency(4, 30), ack: latency(3, 20), cpu: 6 });
const plain = (lines: string[]) => lines.map((line) => line.replace(/\x1b\[[0-9;]*m/g, ''));

describe('comparison with the floor', () => {
  it("divides chat-node's latency and CPU per message by the floor's", () => {
    const compared = compareWithFloor(CHAT_NODE, FLOOR, undefined, '/tmp/run-floor.json');
    expect(compared.floor).toEqual({
      report: '/tmp/run-floor.json',
      deliver: FLOOR.deliver,
      ack: FLOOR.ack,
      serverCpuPer1000: 3,
      sentPerSec: 998,
      pass: true,
      ratios: { deliverP50: 2, deliverP99: 3, ackP99: 4, cpuPerMessage: 2 },
    });
  });

  it('gives an infinite ratio over a floor figure of zero', () => {
    const idleFloor = report({ deliver: latency(0, 0), ack: latency(0, 5), cpu: 0 });
    const { ratios } = compareWithFloor(CHAT_NODE, idleFloor, undefined).floor!;
    expect(ratios.deliverP50).toBe(Number.POSITIVE_INFINITY);
    expect(ratios.cpuPerMessage).toBe(Number.POSITIVE_INFINITY);
    expect(ratios.ackP99).toBe(4);
  });

  it('adds no objective and keeps the verdict when the scenario sets no vsFloor limits', () => {
    const compared = compareWithFloor(CHAT_NODE, FLOOR, undefined);
    expect(compared.slos).toEqual(CHAT_NODE.slos);
    expect(compared.pass).toBe(true);
    expect(compared.floor!.report).toBeUndefined();
    expect(compareWithFloor(CHAT_NODE, FLOOR, {}).slos).toEqual(CHAT_NODE.slos);
  });

  it('checks each vsFloor limit as an objective and fails the run when a ratio is above its limit', () => {
    const compared = compareWithFloor(CHAT_NODE, FLOOR, {
      deliverP50: 2,
      deliverP99: 2.5,
      ackP99: 5,
      cpuPerMessage: 2,
    });
    expect(compared.slos.slice(CHAT_NODE.slos.length)).toEqual([
      { name: 'deliver p50 vs floor', target: '<= 2x floor', measured: '2.00x', pass: true },
      { name: 'deliver p99 vs floor', target: '<= 2.5x floor', measured: '3.00x', pass: false },
      { name: 'ack p99 vs floor', target: '<= 5x floor', measured: '4.00x', pass: true },
      { name: 'server CPU per message vs floor', target: '<= 2x floor', measured: '2.00x', pass: true },
    ]);
    expect(CHAT_NODE.pass).toBe(true);
    expect(compared.pass).toBe(false);
  });

  it('checks only the limits the scenario sets', () => {
    const compared = compareWithFloor(CHAT_NODE, FLOOR, { ackP99: 4 });
    expect(compared.slos.slice(CHAT_NODE.slos.length)).toEqual([
      { name: 'ack p99 vs floor', target: '<= 4x floor', measured: '4.00x', pass: true },
    ]);
    expect(compared.pass).toBe(true);
  });

  it('keeps a run that missed one of its own objectives failed, however close to the floor it is', () => {
    const failing = report({
      deliver: latency(2, 10),
      ack: latency(1, 5),
      cpu: 3,
      slos: [{ name: 'completeness', target: '>= 1', measured: '0.9900', pass: false }],
    });
    const compared = compareWithFloor(failing, FLOOR, { deliverP50: 2, deliverP99: 2, ackP99: 2, cpuPerMessage: 2 });
    expect(compared.slos.filter((slo) => slo.name.endsWith('vs floor')).every((slo) => slo.pass)).toBe(true);
    expect(compared.pass).toBe(false);
  });

  it("reports the floor's own failure without failing chat-node's run", () => {
    const failedFloor = { ...FLOOR, pass: false };
    const compared = compareWithFloor(CHAT_NODE, failedFloor, undefined);
    expect(compared.floor!.pass).toBe(false);
    expect(compared.pass).toBe(true);
  });

  it('leaves the report it compares unchanged', () => {
    compareWithFloor(CHAT_NODE, FLOOR, { deliverP99: 1 });
    expect(CHAT_NODE.slos).toHaveLength(1);
    expect(CHAT_NODE.floor).toBeUndefined();
  });

  it('prints chat-node and the floor side by side with their ratios', () => {
    const lines = plain(formatFloorComparison(compareWithFloor(CHAT_NODE, FLOOR, undefined)));
    expect(lines.some((line) => line.includes('chat-node beside the floor'))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^\s+deliver p50\s+4\.00 ms\s+2\.00 ms\s+2\.00x$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+deliver p99\s+30\.00 ms\s+10\.00 ms\s+3\.00x$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+ack p99\s+20\.00 ms\s+5\.00 ms\s+4\.00x$/));
    expect(lines).toContainEqual(expect.stringMatching(/^\s+server CPU s \/ 1k msgs\s+6\.000\s+3\.000\s+2\.00x$/));
  });

  it('prints a dash for a ratio over a floor of zero, and nothing for a run without a floor', () => {
    const lines = plain(
      formatFloorComparison(
        compareWithFloor(CHAT_NODE, report({ deliver: latency(0, 10), ack: latency(1, 5), cpu: 3 }), undefined),
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^\s+deliver p50\s+4\.00 ms\s+0\.00 ms\s+-$/));
    expect(formatFloorComparison(CHAT_NODE)).toEqual([]);
  });
});
