import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartitionLeases } from '../../../src/nodes/fanout/partition-leases.js';
import { IsolatedCluster } from '../../support/isolated-cluster.js';

const cluster = new IsolatedCluster();
let pool: pg.Pool;

beforeAll(async () => {
  await cluster.setUp();
  pool = new pg.Pool({ connectionString: cluster.postgresUrl, max: 4 });
});

afterAll(async () => {
  await pool?.end();
  await cluster.tearDown();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('fanout - partition leases (Postgres)', () => {
  it('fanout - a lease held without a worker lapses and is taken over; the ones renewed are kept', async () => {
    const ttlMs = 400;
    const crashed = new PartitionLeases(pool, 'fanout-1', 4, ttlMs);
    await crashed.ensurePartitions();
    expect((await crashed.acquire(4)).map((lease) => lease.partition)).toEqual([0, 1, 2, 3]);
    // The same owner name again (a restart under the same node id would be one) runs workers for 0 and 1 only.
    for (let i = 0; i < 6; i++) {
      expect((await crashed.renew([0, 1])).map((lease) => lease.partition).sort()).toEqual([0, 1]);
      await sleep(100);
    }
    const other = new PartitionLeases(pool, 'fanout-2', 4, ttlMs);
    const taken = await other.acquire(4);
    expect(taken.map((lease) => lease.partition)).toEqual([2, 3]);
    expect(taken.every((lease) => lease.epoch === 2), 'a takeover fences the old epoch').toBe(true);
    expect(await crashed.renew([2, 3]), 'the old owner cannot renew what was taken over').toEqual([]);
    expect(await crashed.renew([])).toEqual([]);
  });
});
