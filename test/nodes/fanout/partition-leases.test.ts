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
  it('a lease held without a worker lapses and is taken over; the ones renewed are kept', async () => {
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
    expect(
      taken.every((lease) => lease.epoch === 2),
      'a takeover fences the old epoch',
    ).toBe(true);
    expect(await crashed.renew([2, 3]), 'the old owner cannot renew what was taken over').toEqual([]);
    expect(await crashed.renew([])).toEqual([]);
  });

  it('a restarted incarnation of a node frees what its crashed predecessor held, and a takeover fences the predecessor', async () => {
    const ttlMs = 60_000;
    const crashed = new PartitionLeases(pool, 'fanout-7#aaaaaa', 4, ttlMs);
    await crashed.ensurePartitions();
    await pool.query(`UPDATE fanout_partitions SET owner = NULL, lease_until = 'epoch'`);
    const before = await crashed.acquire(2);
    expect(before.map((lease) => lease.partition)).toEqual([0, 1]);
    await crashed.heartbeat();
    // Another node's leases and a node whose id only starts the same are not its predecessors.
    const neighbour = new PartitionLeases(pool, 'fanout-77#bbbbbb', 4, ttlMs);
    expect((await neighbour.acquire(1)).map((lease) => lease.partition)).toEqual([2]);
    await neighbour.heartbeat();

    const restarted = new PartitionLeases(pool, 'fanout-7#cccccc', 4, ttlMs);
    expect(await restarted.releasePredecessors('fanout-7')).toEqual([0, 1]);
    expect(await restarted.heartbeat(), 'the predecessor no longer counts as a live worker, the neighbour does').toBe(
      1,
    );
    const taken = (await restarted.acquire(4)).sort((a, b) => a.partition - b.partition);
    expect(taken.map((lease) => lease.partition)).toEqual([0, 1, 3]);
    expect(
      taken.slice(0, 2).map((lease) => lease.epoch),
      'a takeover bumps the epoch',
    ).toEqual(before.map((lease) => lease.epoch + 1));
    expect(await crashed.renew([0, 1]), 'the predecessor, were it alive, is fenced').toEqual([]);
    expect((await neighbour.renew([2])).map((lease) => lease.partition)).toEqual([2]);
    expect(await restarted.releasePredecessors('fanout-7')).toEqual([]);
  });

  it('a lapsed lease that no one took over is renewed at its epoch; one taken over is not', async () => {
    await pool.query(`UPDATE fanout_partitions SET owner = NULL, lease_until = 'epoch'`);
    const ttlMs = 200;
    const stalled = new PartitionLeases(pool, 'fanout-9#dddddd', 4, ttlMs);
    const held = await stalled.acquire(2);
    expect(held.map((lease) => lease.partition)).toEqual([0, 1]);
    await sleep(400);
    const other = new PartitionLeases(pool, 'fanout-10#eeeeee', 4, 60_000);
    // Lapsed, both; the other worker takes one of them.
    await pool.query(
      `UPDATE fanout_partitions SET owner = $1, epoch = epoch + 1, lease_until = now() + interval '1 minute' WHERE partition = 1`,
      ['fanout-10#eeeeee'],
    );
    const renewed = await stalled.renew([0, 1]);
    expect(renewed).toEqual([{ partition: 0, epoch: held[0]!.epoch }]);
    expect(await other.acquire(4), 'the renewed lease is not free').not.toContainEqual(
      expect.objectContaining({ partition: 0 }),
    );
  });
});
