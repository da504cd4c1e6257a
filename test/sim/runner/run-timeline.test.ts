import { describe, expect, it } from 'vitest';
import { LatencyTimeline } from '../../../src/sim/hdr/index.js';
import { mergeTimelines, runTimeline } from '../../../src/sim/runner/run-timeline.js';
import { T0 } from '../oracle/synthetic-run.js';

describe('run timeline', () => {
  it('files each second under its whole clock second counted from time zero, gaps included', () => {
    const t0 = T0 + 300;
    const deliver = new LatencyTimeline();
    const ack = new LatencyTimeline();
    deliver.record(4, t0 + 100);
    deliver.record(8, t0 + 650);
    ack.record(2, t0 + 650);
    deliver.record(30, t0 + 2800);
    const timeline = runTimeline({
      t0,
      deliver,
      ack,
      sentBySecond: [
        [T0 / 1000, 2],
        [T0 / 1000 + 3, 1],
      ],
    });
    // Time zero is 0.3 s into row 0, which runs to t0 + 700 ms: t0 + 650 is still in it, t0 + 2800 in row 3.
    expect(timeline.startOffsetSec).toBeCloseTo(0.3, 9);
    expect(timeline.seconds.map((row) => [row.second, row.sent, row.acked, row.delivered])).toEqual([
      [0, 2, 1, 2],
      [1, 0, 0, 0],
      [2, 0, 0, 0],
      [3, 1, 0, 1],
    ]);
    expect(timeline.seconds[0]!.deliverMaxMs).toBeCloseTo(8, 1);
    expect(timeline.seconds[1]).not.toHaveProperty('deliverHdr');
    expect(timeline.seconds[3]!.deliverP50Ms).toBeCloseTo(30, 0);
  });

  it('will not merge a second that has latencies but no histogram', () => {
    const row = {
      second: 0,
      sent: 1,
      acked: 0,
      delivered: 1,
      deliverP50Ms: 1,
      deliverP99Ms: 1,
      deliverMaxMs: 1,
      ackP50Ms: 0,
      ackP99Ms: 0,
      ackMaxMs: 0,
    };
    expect(() => mergeTimelines([{ startOffsetSec: 0, seconds: [row] }])).toThrow(
      'second 0 has 1 deliver latencies but no histogram',
    );
  });
});
