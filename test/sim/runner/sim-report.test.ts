import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LatencyDistribution } from '../../../src/sim/hdr/index.js';
import { loadBuckets } from '../../../src/sim/runner/prom-text.js';
import { collectRunMetadata, fileSha256, REPORT_FORMAT_VERSION } from '../../../src/sim/runner/run-metadata.js';
import { ackedShare, buildReport } from '../../../src/sim/runner/sim-report.js';
import { hopBuckets, syntheticOutcome } from './synthetic-outcome.js';
import { T0 } from '../oracle/synthetic-run.js';

describe('sim report', () => {
  it('the acked share is acked over planned sends, and 1 for a run that planned none', () => {
    expect(ackedShare({ acked: 334, planned: 665 })).toBeCloseTo(0.5023, 4);
    expect(ackedShare({ acked: 665, planned: 665 })).toBe(1);
    expect(ackedShare({ acked: 0, planned: 0 })).toBe(1);
  });

  it("keeps the deliver, ack and connect histograms encoded, and each hop's buckets", () => {
    const outcome = syntheticOutcome({ deliverMs: (i) => 2 + i });
    const { report } = buildReport(outcome);
    expect(report.formatVersion).toBe(REPORT_FORMAT_VERSION);
    expect(report.histograms.encoding).toBe('hdr-v2-base64-us');
    const deliver = LatencyDistribution.decode(report.histograms.deliver);
    // The summary figures are the histogram's.
    expect(deliver.percentiles()).toEqual(report.deliver);
    expect(deliver.count).toBe(outcome.plan.sends.length);
    expect(LatencyDistribution.decode(report.histograms.ack).percentiles()).toEqual(report.ack);
    const connect = LatencyDistribution.decode(report.histograms.connect);
    expect(connect.count).toBe(2);
    expect(connect.maxMs).toBeCloseTo(40, 1);
    expect(report.histograms.hops).toEqual({
      commit: { boundsSec: [0.001, 0.002], counts: [4, 6], count: 6, sumSec: 0.006 },
    });
    expect(loadBuckets(report.histograms.hops.commit!)).toEqual(hopBuckets([4, 6, 6], 0.006));
    // Kept once: the hop rows keep their figures, the histograms section the buckets.
    expect(report.usage.hops).toHaveLength(1);
    expect(report.usage.hops[0]).not.toHaveProperty('histogram');
    expect((JSON.parse(JSON.stringify(report)) as typeof report).histograms).toEqual(report.histograms);
  });

  it('keeps the timeline second by second: sends, acks, deliveries and their percentiles', () => {
    const outcome = syntheticOutcome();
    const { report } = buildReport(outcome);
    const { timeline } = report;
    // The small plan sends one message a second from time zero, T0 a whole second.
    expect(timeline.startOffsetSec).toBe(0);
    expect(timeline.seconds.map((row) => row.second)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const row of timeline.seconds) {
      expect(row).toMatchObject({ sent: 1, acked: 1, delivered: 1 });
      expect(row.deliverP50Ms).toBeCloseTo(10, 0);
      expect(row.ackP99Ms).toBeCloseTo(5, 1);
      expect(LatencyDistribution.decode(row.deliverHdr!).count).toBe(1);
    }
    expect(timeline.seconds.reduce((sum, row) => sum + row.sent, 0)).toBe(outcome.plan.sends.length);
  });

  it("carries the run's metadata: code, machine, cluster layout and the scenario file's hash", () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-report-meta-'));
    try {
      const file = join(dir, 'pairs.yaml');
      writeFileSync(file, 'users: 4\nmessages: { totalRate: 1 }\n');
      const meta = collectRunMetadata({
        cluster: { kind: 'local-cluster', gateways: 2, gatewayWorkers: 1, fanouts: 2 },
        scenarioFile: file,
        options: { rate: 500, pushPolicy: 'always', floor: false },
      });
      const { report } = buildReport(syntheticOutcome(), { meta });
      expect(report.meta).toEqual(meta);
      expect(meta.chatNode.version).toMatch(/^\d+\.\d+\.\d+/);
      // This test runs from a checkout; an npm install has none and says null.
      expect(meta.chatNode.commit).toMatchObject({
        hash: expect.stringMatching(/^[0-9a-f]{7,}$/),
        dirty: expect.any(Boolean),
      });
      expect(meta.node).toBe(process.version);
      expect(meta.machine.cpus).toBeGreaterThan(0);
      expect(meta.machine.memoryBytes).toBeGreaterThan(0);
      expect(meta.machine.kernel).not.toBe('');
      expect(meta.scenario).toEqual({ file, sha256: fileSha256(file) });
      expect(meta.scenario.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(meta.options).toEqual({ rate: 500, pushPolicy: 'always', floor: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes no metadata it was not given, and a null hash for a scenario file it cannot read', () => {
    expect(buildReport(syntheticOutcome()).report).not.toHaveProperty('meta');
    const meta = collectRunMetadata({
      cluster: { kind: 'local-dev' },
      scenarioFile: join(tmpdir(), 'no-such-scenario.yaml'),
      options: { pushPolicy: 'always', floor: false },
    });
    expect(meta.scenario.sha256).toBeNull();
    expect(T0 % 1000).toBe(0);
  });
});
