import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFault } from '../../src/faults/fault-run.js';
import { PUSH_PROVIDER_OUTAGE } from '../../src/faults/process-fault-catalog.js';
import { FaultCluster } from '../support/fault-cluster.js';

/**
 * Both push providers out for 10 s under traffic with offline push devices: the notifications
 * owed meanwhile wait in the push work queue and arrive once the providers are back, none to a
 * non-member or to a connected device; the messages themselves are untouched.
 */
const TRAFFIC = fileURLToPath(new URL('../../scenarios/fault-push.yaml', import.meta.url));
const faults = new FaultCluster();

beforeAll(() => faults.start(), 120_000);
afterAll(async () => {
  faults.report();
  await faults.stop();
}, 60_000);

describe('faults - push providers', () => {
  it('push-provider-outage', async () => {
    const result = await runFault({
      fault: PUSH_PROVIDER_OUTAGE,
      target: faults.cluster,
      scenarioPath: TRAFFIC,
      urls: faults.urls,
      secret: faults.isolated.secret,
      injectAfterMs: 8000,
      pushLogFile: faults.cluster.pushReceivedFile,
    });
    faults.results.push(result);
    expect(result.ackedInFlight, 'the fault hit traffic').toBeGreaterThan(0);
    expect(result.problems).toEqual([]);
    const push = result.push!;
    expect(push, 'the push path was checked').toBeDefined();
    expect(push.duringFault, 'the providers accepted nothing while out').toBe(0);
    expect(push.expectedPairs, 'notifications were owed').toBeGreaterThan(0);
    expect(push.notifiedPairs).toBe(push.expectedPairs);
    expect(push.missing + push.nonMember + push.unexpected + push.unregistered).toBe(0);
    expect(push.resumedAfterMs, 'notifications flowed again after the heal').not.toBeNull();
  }, 180_000);
});
