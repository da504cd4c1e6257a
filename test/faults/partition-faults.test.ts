import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFault } from '../../src/faults/fault-run.js';
import { faultTimeline } from '../../src/faults/fault-table.js';
import { GATEWAY_NATS_PARTITION } from '../../src/faults/link-fault-catalog.js';
import { proxyService, type ProxiedService } from '../../src/faults/proxied-service.js';
import { FaultCluster } from '../support/fault-cluster.js';
import { SERVICES } from '../support/isolated-cluster.js';

/**
 * A partition between gateway-1 and NATS under steady traffic (gateway-1 reaches NATS through a
 * TCP fault proxy, which blackholes the link): no acknowledged message lost, none shown twice or
 * out of order; gateway-1 must notice, stop being ready and send its clients to gateway-2, and be
 * ready again once healed.
 */
const TRAFFIC = fileURLToPath(new URL('../../scenarios/fault-traffic.yaml', import.meta.url));
let nats: ProxiedService;
let faults: FaultCluster;

beforeAll(async () => {
  nats = await proxyService(SERVICES.nats);
  faults = new FaultCluster({ nodeEnv: { 'gateway-1': { CHAT_NATS_URL: nats.url } } });
  await faults.start();
}, 120_000);
afterAll(async () => {
  faults?.report();
  await faults?.stop();
  await nats?.proxy.close();
}, 60_000);

/** gateway-1 as a load balancer sees it: ready or not (and why), and how many clients it holds. */
interface GatewaySample {
  at: number;
  ready: boolean;
  failing: string[];
  connections: number;
  /** While it said it was cut off: the status of a long-poll session creation (it must be refused). */
  longPollStatus?: number;
}

async function sample(port: number, adminPort: number): Promise<GatewaySample> {
  const at = Date.now();
  const readyz = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
    async (response) => (await response.json()) as { ready: boolean; failing: string[] },
    () => ({ ready: false, failing: ['unreachable'] }),
  );
  const metrics = await fetch(`http://127.0.0.1:${adminPort}/metrics`).then(
    (response) => response.text(),
    () => '',
  );
  const line = metrics.split('\n').find((l) => l.startsWith('chat_gateway_connections'));
  let longPollStatus: number | undefined;
  if (readyz.failing.includes('nats unreachable')) {
    const token = await faults.isolated.token('long-poll-probe', 'probe');
    longPollStatus = await fetch(`http://127.0.0.1:${port}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    }).then(
      (response) => response.status,
      () => 0,
    );
  }
  return { at, ...readyz, connections: Number(line?.split(' ').at(-1) ?? NaN), longPollStatus };
}

describe('faults - links', () => {
  it('gateway-nats-partition', async () => {
    const port = faults.cluster.gatewayPorts[0]!;
    const adminPort = faults.cluster.gatewayAdminPorts[0]!;
    const samples: GatewaySample[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push(await sample(port, adminPort));
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
    })();
    const result = await runFault({
      fault: GATEWAY_NATS_PARTITION,
      target: { cluster: faults.cluster, gatewayNats: nats.proxy },
      scenarioPath: TRAFFIC,
      urls: faults.urls,
      secret: faults.isolated.secret,
      injectAfterMs: 8000,
    }).finally(() => (sampling = false));
    await sampler;
    faults.results.push(result);
    if (process.env.FAULT_TIMELINE) process.stdout.write(`${faultTimeline(result)}\n`);
    expect(result.ackedInFlight, 'the fault hit traffic').toBeGreaterThan(0);
    expect(result.problems).toEqual([]);
    // The blackhole held bytes rather than dropping them: nothing the proxy threw away explains the figures.
    expect(nats.proxy.stats().droppedUp + nats.proxy.stats().droppedDown).toBe(0);
    const cutOff = samples.filter((s) => s.failing.includes('nats unreachable'));
    if (process.env.FAULT_TIMELINE && cutOff.length > 0) {
      const from = cutOff[0]!.at;
      const empty = samples.find((s) => s.at >= from && s.connections === 0);
      const back = samples.find((s) => s.at > cutOff.at(-1)!.at && s.ready);
      process.stdout.write(
        `gateway-1: not ready for ${cutOff.at(-1)!.at - from} ms; no clients ${empty ? empty.at - from : '-'} ms after; ready again ${back ? back.at - from : '-'} ms after\n`,
      );
    }
    expect(cutOff.length, 'gateway-1 reported itself not ready while cut off').toBeGreaterThan(0);
    expect(Math.min(...cutOff.map((s) => s.connections)), 'gateway-1 sent its clients away').toBe(0);
    expect(
      cutOff.map((s) => s.longPollStatus),
      'no long-poll session is opened while cut off',
    ).toContain(503);
    expect(samples.at(-1)?.ready, 'gateway-1 is ready again after the heal').toBe(true);
  }, 180_000);
});
