import { describe, expect, it } from 'vitest';
import {
  classifyResult,
  describeResult,
  replaceSummary,
  summarySection,
  SUMMARY_END,
  SUMMARY_START,
} from '../../../src/sim/bench/bench-summary.js';

const percentiles = (p50: number, p99: number) => ({ count: 10, p50, p90: p99, p99, p999: p99, max: p99 });
const machine = { cores: 2, cpuModel: 'Xeon', memoryGiB: 24, os: 'Linux 6', node: '20.1.0' };
const at = new Date('2026-11-28T12:00:00Z');

describe('sim - bench summary', () => {
  it('results are told apart by their fields and described with their figures', () => {
    const latency = classifyResult({
      ack: percentiles(2, 9),
      deliver: percentiles(2.5, 11),
      durationMs: 5,
      missing: 0,
    });
    expect(latency.kind).toBe('latency');
    expect(describeResult(latency)).toBe('ack p50 2.00 ms / p99 9.00 ms; deliver p50 2.50 ms / p99 11.0 ms; 0 missing');
    const sweep = classifyResult({
      scenario: 'rate-sweep',
      highestPassingRate: null,
      steps: [
        {
          rate: 2000,
          sentPerSec: 1777,
          deliveredPerSec: 5855,
          deliverP50Ms: 1250,
          deliverP99Ms: 2619,
          completeness: 1,
          violations: 0,
          pass: false,
          report: 'x',
        },
      ],
    });
    expect(describeResult(sweep)).toBe(
      '2,000/s: p50 1.25 s / p99 2.62 s, 1,777 sent/s, completeness 1.0000, 0 violations, fail; no rate met every SLO',
    );
    expect(classifyResult({ something: 1 }).kind).toBe('unknown');
  });

  it('a sim report row names the oracle, each gateway node and the missed SLOs', () => {
    const report = {
      plan: { users: 2000, devices: 2000 },
      deliver: percentiles(30.6, 271.1),
      ack: percentiles(30.7, 271.1),
      throughput: { sentPerSec: 465, deliveredPerSec: 465 },
      nodes: [{ node: 'dev', connections: 2000, rssBytes: 1, processes: [], rssBytesPerConnection: 8500 }],
      oracle: {
        acked: 32528,
        planned: 32528,
        observedDeliveries: 65056,
        expectedDeliveries: 65056,
        totalViolations: 0,
      },
      slos: [
        { name: 'deliver p50', target: '<= 20 ms', measured: '30.61 ms', pass: false },
        { name: 'completeness', target: '>= 1', measured: '1', pass: true },
      ],
    };
    const text = describeResult(classifyResult({ ...report, scenario: 'one-to-one' }));
    expect(text).toContain('32,528/32,528 sends acked, 65,056/65,056 deliveries');
    expect(text).toContain('deliver p50 30.6 ms / p99 271.1 ms');
    expect(text).toContain('oracle: no violation');
    expect(text).toContain('dev: 2,000 connections, 8.3 KiB RSS each');
    expect(text).toContain('missed: deliver p50 (30.61 ms)');
  });

  it('the section replaces the previous one and keeps the rest of the document', () => {
    const run = { name: 'latency', command: 'chat-node bench latency --local', file: 'x.json', exitCode: 0 };
    const first = summarySection([{ run, result: undefined }], machine, at);
    expect(first).toContain('| latency | `chat-node bench latency --local` | no result written (x.json) | pass |');
    expect(first).toContain('Machine: 2 cores (Xeon), 24 GiB');
    const doc = '# Benchmarks\n\nIntro.\n\n## Older\n\nkept\n';
    const once = replaceSummary(doc, first);
    expect(once.indexOf(SUMMARY_START)).toBeGreaterThan(once.indexOf('Intro.'));
    expect(once.indexOf(SUMMARY_END)).toBeLessThan(once.indexOf('## Older'));
    const second = summarySection([{ run: { ...run, exitCode: 1 }, result: undefined }], machine, at);
    const twice = replaceSummary(once, second);
    expect(twice.split(SUMMARY_START)).toHaveLength(2);
    expect(twice).toContain('fail (exit 1)');
    expect(twice).not.toContain('| pass |');
    expect(twice).toContain('## Older\n\nkept');
  });
});
