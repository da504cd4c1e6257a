import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadScenario, planScenario, planSummary } from '../../../src/sim/scenario/index.js';

const dir = fileURLToPath(new URL('../../../scenarios/', import.meta.url));
const files = readdirSync(dir).filter((file) => /\.(ya?ml|json)$/.test(file));

describe('shipped scenarios', () => {
  it('the documented set is shipped', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'smoke.yaml',
        'one-to-one.yaml',
        'small-groups.yaml',
        'multi-device-churn.yaml',
        'offline-push.yaml',
        'connections-soak.yaml',
        'latency-under-load.yaml',
      ]),
    );
  });

  it.each(files)('%s loads, says what it checks, and plans', (file) => {
    const scenario = loadScenario(`${dir}${file}`);
    expect(scenario.name).toBe(file.replace(/\.(ya?ml|json)$/, ''));
    expect(scenario.description.length).toBeGreaterThan(40);
    const summary = planSummary(planScenario(scenario, 'ci1'));
    expect(summary.devices).toBeGreaterThan(0);
    if (scenario.messages.totalRate > 0) expect(summary.sends).toBeGreaterThan(0);
  });

  it('smoke is small and short enough for CI', () => {
    const smoke = loadScenario(`${dir}smoke.yaml`);
    const { rampUpMs, steadyMs, drainMs } = smoke.phases;
    expect(rampUpMs + steadyMs + drainMs).toBeLessThanOrEqual(15_000);
    expect(smoke.users).toBeLessThanOrEqual(30);
    expect(smoke.slo.completeness).toBe(1);
    expect(smoke.churn.share).toBeGreaterThan(0);
  });
});
