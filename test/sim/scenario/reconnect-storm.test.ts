import { describe, expect, it } from 'vitest';
import { planScenario, ScenarioError } from '../../../src/sim/scenario/index.js';
import { reconnectFigures } from '../../../src/sim/runner/reconnect-figures.js';
import { scenario, yamlWith } from './helpers.js';

const STORM = yamlWith(
  'phases: { rampUp: 2s, steady: 30s }\nchurn:\n  share: 1\n  at: 10s\n  offlineFor: { min: 1s, max: 3s }\n',
);

describe('reconnect storm', () => {
  it('takes every churned device offline at the same moment into steady', () => {
    const plan = planScenario(scenario(STORM), 'storm');
    const periods = plan.users.flatMap((user) => user.devices.flatMap((device) => device.offline));
    expect(periods.length).toBe(plan.users.reduce((n, user) => n + user.devices.length, 0));
    expect(new Set(periods.map((period) => period.fromMs))).toEqual(new Set([12_000]));
    for (const period of periods) expect(period.toMs - period.fromMs).toBeGreaterThanOrEqual(1000);
    for (const period of periods) expect(period.toMs - period.fromMs).toBeLessThanOrEqual(3000);
  });

  it('refuses a storm whose devices would come back after steady', () => {
    expect(() =>
      scenario(
        yamlWith('phases: { steady: 30s }\nchurn:\n  share: 1\n  at: 29s\n  offlineFor: { min: 1s, max: 2s }\n'),
      ),
    ).toThrow(ScenarioError);
  });

  it('times each return to the moment its device was live again, and counts those never back', () => {
    const plan = planScenario(scenario(STORM), 'storm');
    const t0 = 1_000_000;
    const windows: Record<string, Array<{ from: number; to: number | null; liveAt?: number }>> = {};
    const returns: number[] = [];
    plan.users.forEach((user, u) => {
      for (const device of user.devices) {
        const back = t0 + device.offline[0]!.toMs;
        returns.push(back);
        const first = { from: t0 - 5000, to: t0 + device.offline[0]!.fromMs, liveAt: t0 - 4000 };
        // Every user's device comes back live u ms after its return, but the first user's never does.
        windows[`${user.id}/${device.id}`] =
          u === 0 ? [first, { from: back, to: null }] : [first, { from: back, to: null, liveAt: back + u }];
      }
    });
    const figures = reconnectFigures(plan, windows, t0)!;
    const devices = returns.length;
    const firstUserDevices = plan.users[0]!.devices.length;
    expect(figures.returns).toBe(devices);
    expect(figures.back).toBe(devices - firstUserDevices);
    expect(figures.maxMs).toBe(plan.users.length - 1);
    expect(figures.p50Ms).toBeLessThanOrEqual(figures.p99Ms);
  });

  it('says nothing when nothing churns', () => {
    const plan = planScenario(scenario(yamlWith()), 'calm');
    expect(reconnectFigures(plan, {}, 0)).toBeUndefined();
  });
});
