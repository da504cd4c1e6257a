import { describe, expect, it } from 'vitest';
import { formatSweep, summarizeSweep, sweepStep, type SweepStep } from '../../../src/sim/runner/rate-sweep.js';
import type { SimReport } from '../../../src/sim/runner/sim-report.js';
import type { FloorComparison } from '../../../src/sim/runner/floor-comparison.js';

/** A sweep step whose floor run delivered at p50/p99 `floor` ms (or did not run). */
const step = (rate: number, pass: boolean, floor?: { pass: boolean; p50?: number; p99?: number }): SweepStep => ({
  rate,
  sentPerSec: rate,
  deliveredPerSec: rate,
  deliverP50Ms: 3,
  deliverP99Ms: 12,
  completeness: 1,
  violations: 0,
  pass,
  report: undefined,
  ...(floor
    ? { floor: { sentPerSec: rate, deliverP50Ms: floor.p50 ?? 1.5, deliverP99Ms: floor.p99 ?? 4, pass: floor.pass } }
    : {}),
});

const plain = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('rate sweep beside the floor', () => {
  it("takes a step's floor figures from the report's floor comparison", () => {
    const latency = (p50: number, p99: number) => ({ count: 10, p50, p90: p99, p99, p999: p99, max: p99 });
    const floor: FloorComparison = {
      deliver: latency(1.25, 4.5),
      ack: latency(1, 3),
      serverCpuPer1000: 2,
      sentPerSec: 1990,
      pass: true,
      ratios: { deliverP50: 2, deliverP99: 2, ackP99: 2, cpuPerMessage: 2 },
    };
    const report = {
      throughput: { sentPerSec: 1995, deliveredPerSec: 1995 },
      deliver: latency(2.5, 9),
      oracle: { completeness: 1, totalViolations: 0 },
      pass: false,
      floor,
    } as SimReport;
    expect(sweepStep(2000, report, 'out-2000.json').floor).toEqual({
      sentPerSec: 1990,
      deliverP50Ms: 1.25,
      deliverP99Ms: 4.5,
      pass: true,
    });
    expect(sweepStep(2000, { ...report, floor: undefined }, undefined).floor).toBeUndefined();
  });

  it("finds the floor's highest passing rate the same way as chat-node's: up to its first failure", () => {
    const summary = summarizeSweep('pairs', [
      step(1000, true, { pass: true }),
      step(2000, false, { pass: true }),
      step(4000, false, { pass: false }),
      step(8000, false, { pass: true }),
    ]);
    expect(summary.highestPassingRate).toBe(1000);
    expect(summary.floorHighestPassingRate).toBe(2000);
  });

  it('has no floor rate when the floor failed its lowest step, and none at all for a sweep without the floor', () => {
    expect(
      summarizeSweep('pairs', [step(1000, true, { pass: false }), step(2000, true, { pass: true })])
        .floorHighestPassingRate,
    ).toBeNull();
    expect(summarizeSweep('pairs', [step(1000, true), step(2000, true)])).not.toHaveProperty('floorHighestPassingRate');
  });

  it("prints the floor's latency and chat-node's multiple of it beside each step", () => {
    const text = plain(
      formatSweep(
        summarizeSweep('pairs', [
          step(1000, true, { pass: true, p50: 1.5, p99: 4 }),
          step(2000, true, { pass: true, p50: 0, p99: 6 }),
        ]),
      ),
    );
    expect(text).toMatch(/floor p50\s+floor p99\s+p50 x\s+p99 x/);
    expect(text).toMatch(
      /^\s+1000\s+1000\s+1000\s+3\.00 ms\s+12\.0 ms\s+1\.0000\s+0\s+1\.50 ms\s+4\.0 ms\s+2\.0x\s+3\.0x\s+pass$/m,
    );
    // A floor p50 of 0 has no multiple.
    expect(text).toMatch(/^\s+2000\s.*\s0\.00 ms\s+6\.0 ms\s+-\s+2\.0x\s+pass$/m);
  });

  it("prints dashes for a step the floor did not run, and the floor's highest rate with chat-node's share of it", () => {
    const text = plain(
      formatSweep(
        summarizeSweep('pairs', [
          step(1000, true, { pass: true }),
          step(2000, false),
          step(4000, false, { pass: true }),
        ]),
      ),
    );
    expect(text).toMatch(/^\s+2000\s.*\s0\s+-\s+-\s+-\s+-\s+FAIL$/m);
    expect(text).toContain('highest rate meeting every SLO: 1000 msgs/s');
    expect(text).toContain("the floor's highest rate meeting every SLO: 1000 msgs/s (chat-node carries 100% of it)");
  });

  it('says the floor met no rate, and prints no floor columns for a sweep without it', () => {
    const none = plain(formatSweep(summarizeSweep('pairs', [step(1000, true, { pass: false })])));
    expect(none).toContain("the floor's highest rate meeting every SLO: none");
    const without = plain(formatSweep(summarizeSweep('pairs', [step(1000, true)])));
    expect(without).not.toContain('floor');
  });
});
