import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { NodeLease, listenerUrl } from '../../../src/core/registry/node-lease.js';
import { NodeRegistry, type NodeRecord } from '../../../src/core/registry/node-registry.js';
import { useRedisNamespace } from '../../support/redis-namespace.js';
import { onRedisAndCluster } from '../../support/redis-cluster.js';
import { isCluster } from '../../../src/core/services/redis-client.js';

onRedisAndCluster((target) => {
  const { namespace, redis } = useRedisNamespace('treg', target);
  const leases: NodeLease[] = [];
  const servers: Server[] = [];
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  afterEach(async () => {
    await Promise.all(leases.splice(0).map((lease) => lease.stop()));
    await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
  });

  function record(role: NodeRecord['role'], nodeId: string): NodeRecord {
    return {
      role,
      nodeId,
      host: 'box-1',
      pid: 100,
      adminUrl: `http://127.0.0.1:9000/${nodeId}`,
      version: '1.2.3',
      startedAt: 1_700_000_000_000,
    };
  }

  /** Each test its own namespace under the suite's, so their listings do not meet. */
  let run = 0;
  const scope = () => `${namespace}:r${++run}`;

  /** KEYS on every master: a cluster client sends KEYS to one node only, which may hold none of them. */
  async function keysOf(ns: string): Promise<string[]> {
    const client = redis();
    const nodes = isCluster(client) ? client.nodes('master') : [client];
    return (await Promise.all(nodes.map((node) => node.keys(`${ns}:*`)))).flat().sort();
  }

  describe('node registry', () => {
    it('lists the live nodes gateways first, then fan-out, presence and pusher, each in node order', async () => {
      const ns = scope();
      const registry = new NodeRegistry(redis(), ns);
      for (const entry of [
        record('pusher', 'pusher-1'),
        record('fanout', 'fanout-10'),
        record('gateway', 'gateway-2'),
        record('fanout', 'fanout-2'),
        record('presence', 'presence-1'),
        record('gateway', 'gateway-1'),
      ]) {
        await registry.put(entry, 10_000);
      }
      const listed = await registry.list();
      expect(listed.map((node) => node.nodeId)).toEqual([
        'gateway-1',
        'gateway-2',
        'fanout-2',
        'fanout-10',
        'presence-1',
        'pusher-1',
      ]);
      expect(listed[0]).toEqual(record('gateway', 'gateway-1'));
    });

    it('drops a node that leaves at once, and one that stops renewing when its lease runs out', async () => {
      const ns = scope();
      const registry = new NodeRegistry(redis(), ns);
      await registry.put(record('gateway', 'leaving'), 10_000);
      await registry.put(record('fanout', 'dying'), 150);
      await registry.put(record('presence', 'staying'), 10_000);
      await registry.remove('leaving');
      expect((await registry.list()).map((node) => node.nodeId)).toEqual(['dying', 'staying']);
      await sleep(300);
      expect((await registry.list()).map((node) => node.nodeId)).toEqual(['staying']);
    });

    it("prunes a dead node's index entry a minute after its lease ran out, and keeps every key in one hash slot", async () => {
      const ns = scope();
      let now = 1_000_000;
      const registry = new NodeRegistry(redis(), ns, () => now);
      await registry.put(record('gateway', 'gw-1'), 50);
      await registry.put(record('fanout', 'fo-1'), 120_000);
      await sleep(150);
      // gw-1's record expired in Redis; its index entry stays until well past any clock skew.
      expect((await registry.list()).map((node) => node.nodeId)).toEqual(['fo-1']);
      expect(await redis().zrange(`${ns}:registry:{nodes}`, 0, -1)).toEqual(['gw-1', 'fo-1']);
      now += 61_000;
      expect((await registry.list()).map((node) => node.nodeId)).toEqual(['fo-1']);
      expect(await redis().zrange(`${ns}:registry:{nodes}`, 0, -1)).toEqual(['fo-1']);
      // One hash tag for all: a renewal's MULTI and a listing's MGET stay in one Redis Cluster slot.
      expect(await keysOf(ns)).toEqual([`${ns}:registry:{nodes}`, `${ns}:registry:{nodes}:fo-1`]);
    });

    it('skips a record it cannot read (another shape, an unknown role) and lists the others', async () => {
      const ns = scope();
      const registry = new NodeRegistry(redis(), ns);
      await registry.put(record('gateway', 'gw-1'), 10_000);
      await redis()
        .multi()
        .set(`${ns}:registry:{nodes}:odd`, '{"role":"router","nodeId":"odd"}', 'PX', 10_000)
        .zadd(`${ns}:registry:{nodes}`, Date.now() + 10_000, 'odd')
        .exec();
      await redis()
        .multi()
        .set(`${ns}:registry:{nodes}:torn`, '{"role":', 'PX', 10_000)
        .zadd(`${ns}:registry:{nodes}`, Date.now() + 10_000, 'torn')
        .exec();
      expect((await registry.list()).map((node) => node.nodeId)).toEqual(['gw-1']);
    });
  });

  describe('node lease', () => {
    it("records the node's role, id, host, pid, addresses, version and start time", async () => {
      const ns = scope();
      const before = Date.now();
      leases.push(
        await NodeLease.start(redis(), { namespace: ns, nodeId: 'gw-1' }, 'gateway', {
          adminUrl: 'http://127.0.0.1:9089',
          clientUrl: 'ws://127.0.0.1:8080/v1/ws',
        }),
      );
      leases.push(await NodeLease.start(redis(), { namespace: ns, nodeId: 'fo-1' }, 'fanout', { adminUrl: undefined }));
      const [gateway, fanout] = await new NodeRegistry(redis(), ns).list();
      const version = (
        JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
      ).version;
      expect(gateway).toEqual({
        role: 'gateway',
        nodeId: 'gw-1',
        host: hostname(),
        pid: process.pid,
        adminUrl: 'http://127.0.0.1:9089',
        clientUrl: 'ws://127.0.0.1:8080/v1/ws',
        version,
        startedAt: expect.any(Number),
      });
      expect(gateway!.startedAt).toBeGreaterThanOrEqual(before);
      expect(gateway!.startedAt).toBeLessThanOrEqual(Date.now());
      expect(Object.keys(fanout!).sort()).toEqual(['host', 'nodeId', 'pid', 'role', 'startedAt', 'version']);
    });

    it('keeps the node listed past its TTL while it renews, and takes it out on stop', async () => {
      const ns = scope();
      const registry = new NodeRegistry(redis(), ns);
      const lease = await NodeLease.start(redis(), { namespace: ns, nodeId: 'fo-1' }, 'fanout', {}, undefined, {
        renewMs: 40,
        ttlMs: 150,
      });
      await sleep(500);
      expect((await registry.list()).map((node) => node.nodeId)).toEqual(['fo-1']);
      await lease.stop();
      expect(await registry.list()).toEqual([]);
      expect(await keysOf(ns)).toEqual([]);
    });

    it('leaves the registry by itself when the node stops renewing without a word (a crash)', async () => {
      const ns = scope();
      const registry = new NodeRegistry(redis(), ns);
      // A renewal that never comes within the test stands for a process killed after its first write.
      leases.push(
        await NodeLease.start(redis(), { namespace: ns, nodeId: 'pr-1' }, 'presence', {}, undefined, {
          renewMs: 60_000,
          ttlMs: 150,
        }),
      );
      expect((await registry.list()).map((node) => node.nodeId)).toEqual(['pr-1']);
      await sleep(300);
      expect(await registry.list()).toEqual([]);
    });
  });

  describe('listener URL', () => {
    async function listening(host: string): Promise<Server> {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, host, resolve));
      return server;
    }

    it("is the bound address, or the machine's hostname for a listener on every address", async () => {
      const local = await listening('127.0.0.1');
      const port = (local.address() as { port: number }).port;
      expect(listenerUrl(local)).toBe(`http://127.0.0.1:${port}`);
      expect(listenerUrl(local, 'ws', '/v1/ws')).toBe(`ws://127.0.0.1:${port}/v1/ws`);
      const everywhere = await listening('0.0.0.0');
      expect(listenerUrl(everywhere)).toBe(`http://${hostname()}:${(everywhere.address() as { port: number }).port}`);
      const v6 = await listening('::1').catch(() => undefined);
      if (v6) expect(listenerUrl(v6)).toBe(`http://[::1]:${(v6.address() as { port: number }).port}`);
      expect(listenerUrl(undefined)).toBeUndefined();
    });
  });
});
