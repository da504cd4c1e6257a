import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import pg from 'pg';
import { NodeRegistry } from '../../src/core/registry/node-registry.js';
import { findFreePort } from '../../src/devtools/free-port.js';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, SERVICES, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * The gateway's operator endpoints (/metrics, /readyz, /trace) live on an admin listener of their
 * own, not on the port clients reach; and however many probes arrive, one readiness check runs.
 */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
let alice: TestDevice;

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gw-1', [], { CHAT_POSTGRES_POOL: '4' });
  await cluster.waitReady(gateway);
  alice = await connectDevice(cluster, [gateway], 'alice', 'laptop');
}, 60_000);

afterAll(async () => {
  await alice?.close();
  await cluster.tearDown();
});

const clientUrl = () => `http://127.0.0.1:${gateway.port}`;

describe('e2e - admin listener', () => {
  it('/metrics, /readyz and /trace answer on the admin port only; the client port keeps /healthz', async () => {
    for (const path of ['/metrics', '/readyz', '/trace?msg=x']) {
      expect((await fetch(`${clientUrl()}${path}`)).status, `client port ${path}`).toBe(404);
    }
    expect((await fetch(`${clientUrl()}/healthz`)).status).toBe(200);
    expect(gateway.adminPort).not.toBe(gateway.port);
    const metrics = await fetch(`${cluster.adminUrl(gateway)}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/chat_gateway_handshakes_total\{outcome="ok"[^}]*\} [1-9]/);
    expect((await fetch(`${cluster.adminUrl(gateway)}/readyz`)).status).toBe(200);
    expect((await fetch(`${cluster.adminUrl(gateway)}/trace?msg=x`)).status).toBe(200);
  });

  it('a flood of /readyz while Postgres is slow runs one probe, and clients still get their queries through', async () => {
    // The readiness query waits behind this lock, as it would behind a slow or overloaded Postgres.
    const locker = new pg.Client({ connectionString: cluster.postgresUrl });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE fanout_partitions IN ACCESS EXCLUSIVE MODE');
    const probes: Array<Promise<number>> = [];
    try {
      // Past the gateway's one-second answer cache, so the flood finds no fresh answer.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      for (let i = 0; i < 40; i++)
        probes.push(
          fetch(`${cluster.adminUrl(gateway)}/readyz`).then(
            (r) => r.status,
            () => 0,
          ),
        );
      const waitingProbes = async () =>
        (
          await cluster.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND wait_event_type = 'Lock' AND query LIKE '%count(*)::int AS n FROM fanout_partitions%'",
            [cluster.database],
          )
        )[0]!.n;
      await waitFor(async () => (await waitingProbes()) >= 1, 5000, 'the readiness probe to wait on the lock');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await waitingProbes(), 'readiness queries waiting in Postgres').toBe(1);
      // The gateway's pool (4 connections here) still serves a client request that needs Postgres.
      const created = await Promise.race([
        alice.client.createDirect('bob').then(() => 'created'),
        new Promise((resolve) => setTimeout(() => resolve('still waiting'), 3000)),
      ]);
      expect(created).toBe('created');
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    const statuses = await Promise.all(probes);
    expect(
      statuses.every((status) => status === 200 || status === 503),
      `statuses ${statuses.join(',')}`,
    ).toBe(true);
  });

  it('the other roles take --admin-port, also from CHAT_ADMIN_PORT, and report their readiness as chat_ready', async () => {
    const port = await findFreePort();
    const bin = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
    // CHAT_HOST is the gateway's client address: an environment shared by every role must not move the presence node's admin listener.
    const child = spawn(process.execPath, [bin, 'presence', '--node-id', 'presence-admin'], {
      env: cluster.env({ CHAT_ADMIN_PORT: String(port), CHAT_HOST: '0.0.0.0' }),
      stdio: 'ignore',
    });
    try {
      await waitFor(
        async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true,
        20_000,
        'presence /healthz',
      );
      expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toMatch(
        /^chat_ready\{role="presence",node="presence-admin"\} 1$/m,
      );
      const redis = new Redis(SERVICES.redis);
      const nodes = await new NodeRegistry(redis, cluster.namespace).list().finally(() => redis.disconnect());
      expect(nodes.find((node) => node.nodeId === 'presence-admin')?.adminUrl).toBe(`http://127.0.0.1:${port}`);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
