import { afterEach, describe, expect, it } from 'vitest';
import { connectNats, type NatsConnection } from '../../../src/core/bus/nats.js';
import { proxyService, type ProxiedService } from '../../../src/faults/proxied-service.js';
import { NatsLinkWatch } from '../../../src/nodes/gateway/nats-link-watch.js';
import { SERVICES } from '../../support/isolated-cluster.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `condition`, up to `ms`. */
async function until(condition: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition() && Date.now() < deadline) await sleep(25);
  return condition();
}

describe('gateway - NATS link watch', () => {
  let nats: ProxiedService | undefined;
  let nc: NatsConnection | undefined;
  let watch: NatsLinkWatch | undefined;
  afterEach(async () => {
    watch?.stop();
    await nc?.close();
    await nats?.proxy.close();
  });

  async function watched(options: { silentCutOffMs: number; disconnectedCutOffMs: number }) {
    nats = await proxyService(SERVICES.nats);
    nc = await connectNats(nats.url, 'link-watch-test');
    const events: string[] = [];
    watch = new NatsLinkWatch(nc, {
      probeMs: 100,
      ...options,
      onCutOff: () => events.push('cut off'),
      onRestored: () => events.push('restored'),
    });
    watch.start();
    return { events, watch, proxy: nats.proxy };
  }

  it('gateway - a blackholed link to NATS counts as cut off once no PING is answered in time, and as restored on the first PONG after', async () => {
    const { events, watch, proxy } = await watched({ silentCutOffMs: 600, disconnectedCutOffMs: 5000 });
    await sleep(400);
    expect(watch.cutOff).toBe(false);
    await proxy.setMode({ kind: 'blackhole' });
    const started = Date.now();
    expect(await until(() => watch.cutOff, 3000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    await proxy.heal();
    expect(await until(() => !watch.cutOff, 3000)).toBe(true);
    expect(events).toEqual(['cut off', 'restored']);
  });

  it('gateway - a dropped connection that comes back within the reconnect allowance is not a cut-off', async () => {
    const { events, watch, proxy } = await watched({ silentCutOffMs: 600, disconnectedCutOffMs: 4000 });
    await sleep(300);
    // Every connection reset, new ones too: nats.js is disconnected and retrying, as while a NATS node restarts.
    await proxy.setMode({ kind: 'reset' });
    await sleep(1000);
    expect(watch.cutOff).toBe(false);
    await proxy.heal();
    await sleep(1500);
    expect(events).toEqual([]);
    expect(watch.cutOff).toBe(false);
  });
});
