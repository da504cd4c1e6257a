import { describe, expect, it } from 'vitest';
import { checkPresence, checkPushes, checkTyping } from '../../../src/sim/oracle/index.js';
import { checkSlos, formatChecks, type RunChecks } from '../../../src/sim/runner/run-checks.js';
import { T0, smallPlan } from '../oracle/synthetic-run.js';

/** Checks of an empty run: nothing owed, nothing seen. */
function emptyChecks(): RunChecks {
  const plan = smallPlan(0);
  return {
    push: { checked: false, reason: 'no push log: push not checked' },
    presence: checkPresence({ plan, views: [] }),
    typing: checkTyping({ plan, roomIds: {}, t0: T0, views: [] }),
  };
}

describe('run checks', () => {
  it('without a push log, slo.pushDelivery is reported as not checked and does not fail the run', () => {
    const rows = checkSlos(emptyChecks(), { completeness: 1, pushDelivery: 1 });
    expect(rows).toContainEqual({ name: 'push delivery', target: '>= 1', measured: 'not checked', pass: true });
    expect(rows.map((r) => r.name)).not.toContain('push check');
    expect(formatChecks(emptyChecks())[0]).toBe('  push: no push log: push not checked');
  });

  it('a missed push delivery share and a presence view that never converged fail their SLOs', () => {
    const checks = emptyChecks();
    const plan = smallPlan(0);
    plan.users[1]!.devices[0]!.push = 'apns';
    const push = checkPushes({
      plan,
      roomIds: {},
      acks: [],
      windows: {},
      registrations: {},
      notifications: [],
      readAt: T0,
    });
    checks.push = { checked: true, log: '/tmp/received.jsonl', ...push, delivery: 0.5 };
    checks.presence = { ...checks.presence, convergenceMs: null };
    const rows = checkSlos(checks, { completeness: 1, pushDelivery: 0.9, presenceConvergenceMs: 1000 });
    expect(rows.find((r) => r.name === 'push delivery')).toMatchObject({ measured: '0.5000', pass: false });
    // bob/phone was planned for push but never registered.
    expect(rows.find((r) => r.name === 'push check')).toMatchObject({ measured: '1 violations', pass: false });
    expect(rows.find((r) => r.name === 'presence convergence')).toMatchObject({ measured: 'never', pass: false });
    expect(rows.find((r) => r.name === 'typing check')).toMatchObject({ pass: true });
  });
});
