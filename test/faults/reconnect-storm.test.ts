import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFault } from '../../src/faults/fault-run.js';
import { RECONNECT_STORM } from '../../src/faults/process-fault-catalog.js';
import { faultTimeline } from '../../src/faults/fault-table.js';
import { FaultCluster } from '../support/fault-cluster.js';

/** Thousands of devices reconnecting at once after every gateway died. */
const TRAFFIC = fileURLToPath(new URL('../../scenarios/fault-storm.yaml', import.meta.url));
const faults = new FaultCluster();

beforeAll(() => faults.start(), 120_000);
afterAll(async () => {
  faults.report();
  await faults.stop();
}, 60_000);

describe('faults - reconnect storm', () => {
  it('reconnect-storm', async () => {
    const result = await runFault({
      fault: RECONNECT_STORM,
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
  }, 240_000);
});
