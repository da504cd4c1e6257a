import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { healthHandler } from '../../../src/core/observability/health-server.js';

async function ready(registry: Registry): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === 'chat_ready');
  return (metric!.values[0] as { value: number }).value;
}

describe('chat_ready', () => {
  it('is 1 while the readiness check passes and 0 while it lists a problem', async () => {
    let problems: string[] = [];
    const registry = new Registry();
    healthHandler(registry, { healthy: () => true, ready: async () => problems });
    expect(await ready(registry)).toBe(1);
    problems = ['postgres'];
    expect(await ready(registry)).toBe(0);
  });

  it('is 0 after a second when the check hangs, so the scrape still answers', async () => {
    const registry = new Registry();
    healthHandler(registry, { healthy: () => true, ready: () => new Promise(() => {}) });
    const started = Date.now();
    expect(await ready(registry)).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('follows the newest handler of a registry (a node started again)', async () => {
    const registry = new Registry();
    healthHandler(registry, { healthy: () => true, ready: async () => ['stopped'] });
    healthHandler(registry, { healthy: () => true, ready: async () => [] });
    expect(await ready(registry)).toBe(1);
  });
});
