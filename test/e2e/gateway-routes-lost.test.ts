import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reconnectSpreadMs } from '../../src/nodes/gateway/gateway-node.js';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, SERVICES, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * Redis loses what the gateways wrote (a restart without persistence, FLUSHALL): the fan-out finds
 * no route to their devices, and what is committed reaches them only when they reconnect and sync.
 * The gateway notices within a second or so (not at its next heartbeat: 20 s here) and sends its
 * clients away over a window sized to their number.
 */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
const open: TestDevice[] = [];
let redis: Redis;
let startedAt = 0;

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gw-lost', ['--heartbeat-ms', '20000', '--presence-timeout-ms', '60000']);
  await cluster.waitReady(gateway);
  startedAt = Date.now();
  redis = new Redis(SERVICES.redis);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  redis.disconnect();
  await cluster.tearDown();
});

/** This cluster's keys only: the machine's Redis is shared with other suites. */
async function forgetClusterKeys(): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${cluster.namespace}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

describe('e2e - a gateway whose routes Redis lost', () => {
  it('notices within seconds, not at its heartbeat, and its clients get what was sent meanwhile', async () => {
    const reader = await connectDevice(cluster, [gateway], 'lost-reader', 'phone');
    const writer = await connectDevice(cluster, [gateway], 'lost-writer', 'phone');
    open.push(reader, writer);
    const room = await writer.client.createDirect('lost-reader');
    await writer.client.send(room.id, 'before');
    await reader.waitForCount(room.id, 1);
    let awayAt: number | undefined;
    let sentAway = 0;
    reader.client.on('state', (event) => {
      if (event.state !== 'reconnecting') return;
      awayAt ??= Date.now();
      sentAway++;
    });

    // Past the gateway's first lease renewal (a tenth of its heartbeat after start), so the next
    // is ~20 s away: only the route check can notice within the test's bound.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + 4000 - Date.now())));
    const lostAt = Date.now();
    expect(await forgetClusterKeys()).toBeGreaterThan(0);
    await writer.client.send(room.id, 'while the routes were gone');

    await waitFor(() => awayAt !== undefined, 5000, 'the gateway to send its clients away');
    expect(awayAt! - lostAt).toBeLessThan(3000);
    await waitFor(
      () => reader.client.state === 'live' && writer.client.state === 'live',
      10_000,
      'the clients to come back',
    );
    await writer.client.send(room.id, 'after');
    const seen = await reader.waitForCount(room.id, 3, 5000);
    expect(seen.map((m) => m.body)).toEqual(['before', 'while the routes were gone', 'after']);
    // The lease's next renewal (every 20 s, the first 2 s after start) finds the node unlisted
    // too: the same loss, not a reap to answer by sending the clients away again.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, startedAt + 24_000 - Date.now())));
    expect(sentAway).toBe(1);
  }, 40_000);

  it('spreads the reconnects of many clients wider than those of a few', () => {
    expect(reconnectSpreadMs(2)).toBe(500);
    expect(reconnectSpreadMs(6000)).toBe(3000);
    expect(reconnectSpreadMs(100_000)).toBe(30_000);
  });
});
