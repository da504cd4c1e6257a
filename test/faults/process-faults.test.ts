import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFault } from '../../src/faults/fault-run.js';
import { PROCESS_FAULTS } from '../../src/faults/process-fault-catalog.js';
import { faultTimeline } from '../../src/faults/fault-table.js';
import { FaultCluster } from '../support/fault-cluster.js';

/**
 * Each process fault, injected into steady simulated traffic on a multi-process cluster; the
 * recorded history must show no acknowledged message lost, no duplicate shown, no room order
 * broken and nothing delivered to a non-member, and the traffic must recover.
 */
const TRAFFIC = fileURLToPath(new URL('../../scenarios/fault-traffic.yaml', import.meta.url));
const faults = new FaultCluster();

beforeAll(() => faults.start(), 120_000);
afterAll(async () => {
  faults.report();
  await faults.stop();
}, 60_000);

describe('faults - processes', () => {
  it.each(PROCESS_FAULTS.map((fault) => [fault.name, fault] as const))(
    '%s',
    async (_name, fault) => {
      const result = await runFault({
        fault,
        target: faults.cluster,
        scenarioPath: TRAFFIC,
        urls: faults.urls,
        secret: faults.isolated.secret,
        injectAfterMs: 8000,
      });
      faults.results.push(result);
      if (process.env.FAULT_TIMELINE) process.stdout.write(`${faultTimeline(result)}\n`);
      expect(result.ackedInFlight, 'the fault hit traffic').toBeGreaterThan(0);
      expect(result.problems).toEqual([]);
      expect(result.lost).toBe(0);
      expect(result.duplicates).toBe(0);
      expect(result.orderViolations).toBe(0);
      expect(result.nonMemberDeliveries).toBe(0);
    },
    180_000,
  );
});
