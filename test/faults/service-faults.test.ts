import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePortRun } from '../../src/devtools/index.js';
import { runFault } from '../../src/faults/fault-run.js';
import type { FaultResult } from '../../src/faults/fault-result.js';
import { faultTable, faultTimeline } from '../../src/faults/fault-table.js';
import { SERVICE_FAULTS, type ServiceTarget } from '../../src/faults/service-fault-catalog.js';
import { PostgresInstance, RedisInstance } from '../../src/faults/service-faults.js';
import { ProcessCluster } from '../../src/nodes/cluster/process-cluster.js';
import { tempDataDir } from '../devtools/helpers.js';

/**
 * Service faults under steady traffic: the cluster (2 gateways, 2 fan-outs, presence, pusher)
 * runs on a Postgres, a Redis and a 3-node NATS cluster of its own, which the faults break.
 */
const TRAFFIC = fileURLToPath(new URL('../../scenarios/fault-traffic.yaml', import.meta.url));
const secret = randomBytes(24).toString('base64url');
const results: FaultResult[] = [];
let dir: string;
let target: ServiceTarget;
let urls: string[];

/** The roles' log level: warn, or FAULT_LOG_LEVEL (info shows lease and consumer changes). */
function logLevel(): 'warn' | 'info' | 'debug' {
  const level = process.env.FAULT_LOG_LEVEL;
  return level === 'info' || level === 'debug' ? level : 'warn';
}

beforeAll(async () => {
  dir = await tempDataDir();
  const [postgres, redis] = await Promise.all([
    PostgresInstance.start(join(dir, 'pg')),
    RedisInstance.start(join(dir, 'redis')),
  ]);
  const port = await findFreePortRun(2);
  const cluster = new ProcessCluster({
    dataDir: join(dir, 'cluster'),
    host: '127.0.0.1',
    port,
    gateways: 2,
    gatewayWorkers: 1,
    fanouts: 2,
    presences: 1,
    push: 'fake',
    restart: true,
    natsCluster: 3,
    input: {
      postgresUrl: postgres.url,
      redisUrl: redis.url,
      namespace: 'faults',
      jwt: { secret },
      sendRatePerSec: 100_000,
      sendBurst: 100_000,
      logLevel: logLevel(),
    },
    onProgress: () => {},
    onRoleExit: () => {},
  });
  target = { cluster, postgres, redis };
  await cluster.start();
  urls = cluster.gatewayPorts.map((p) => `ws://127.0.0.1:${p}/v1/ws`);
}, 180_000);

afterAll(async () => {
  if (results.length > 0) process.stdout.write(`\n${faultTable(results)}\n`);
  await target?.cluster.stop().catch(() => {});
  await Promise.all([target?.postgres.stop(), target?.redis.stop()].map((p) => p?.catch(() => {})));
  // KEEP_FAULT_DIR=1 keeps the services' data and the roles' logs for a post-mortem.
  if (dir && !process.env.KEEP_FAULT_DIR) await rm(dir, { recursive: true, force: true });
}, 90_000);

describe('faults - services', () => {
  it.each(SERVICE_FAULTS.map((fault) => [fault.name, fault] as const))(
    '%s',
    async (_name, fault) => {
      const result = await runFault({ fault, target, scenarioPath: TRAFFIC, urls, secret, injectAfterMs: 8000 });
      results.push(result);
      if (process.env.FAULT_TIMELINE) process.stdout.write(`${faultTimeline(result)}\n`);
      expect(result.ackedInFlight, 'the fault hit traffic').toBeGreaterThan(0);
      expect(result.problems).toEqual([]);
    },
    240_000,
  );
});
