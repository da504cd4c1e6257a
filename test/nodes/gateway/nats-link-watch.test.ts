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

  it('a blackholed link to NATS counts as cut off once no PING is answered in time, and as restored on the first PONG after', async () => {
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

  it('a dropped connection that comes back within the reconnect allowance is not a cut-off', async () => {
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

describe('gateway - NATS link watch under load', () => {
  let nats: ProxiedService | undefined;
  const connections: NatsConnection[] = [];
  let watch: NatsLinkWatch | undefined;
  let feed: NodeJS.Timeout | undefined;
  afterEach(async () => {
    clearInterval(feed);
    watch?.stop();
    await Promise.all(connections.splice(0).map((c) => c.close()));
    await nats?.proxy.close();
  });

  it('its own event loop stalling past the cut-off is not a cut-off (the PONG waits behind the stall)', async () => {
    nats = await proxyService(SERVICES.nats);
    const nc = await connectNats(nats.url, 'link-watch-stall');
    connections.push(nc);
    const events: string[] = [];
    watch = new NatsLinkWatch(nc, {
      probeMs: 100,
      silentCutOffMs: 600,
      onCutOff: () => events.push('cut off'),
      onRestored: () => events.push('restored'),
    });
    watch.start();
    await sleep(300);
    const until = Date.now() + 1200;
    while (Date.now() < until) {
      // Busy: no timer, no socket read.
    }
    await sleep(500);
    expect(events).toEqual([]);
    expect(watch.cutOff).toBe(false);
  });

  it('a slow link that still brings messages is not a cut-off; the same link blackholed is', async () => {
    nats = await proxyService(SERVICES.nats);
    const nc = await connectNats(nats.url, 'link-watch-slow');
    const publisher = await connectNats(SERVICES.nats, 'link-watch-feed');
    connections.push(nc, publisher);
    const subject = `link-watch.${Date.now()}`;
    nc.subscribe(subject, { callback: () => {} });
    await nc.flush();
    feed = setInterval(() => publisher.publish(subject, 'tick'), 50);
    const events: string[] = [];
    watch = new NatsLinkWatch(nc, {
      probeMs: 100,
      silentCutOffMs: 600,
      onCutOff: () => events.push('cut off'),
      onRestored: () => events.push('restored'),
    });
    watch.start();
    // Every byte each way waits 500 ms: a PING takes a second to come back, past the cut-off.
    await nats.proxy.setMode({ kind: 'latency', ms: 500 });
    await sleep(2500);
    expect(events).toEqual([]);
    await nats.proxy.setMode({ kind: 'blackhole' });
    expect(await until(() => watch!.cutOff, 3000)).toBe(true);
  });
});
