import type pg from 'pg';

export interface Lease {
  partition: number;
  epoch: number;
}

/**
 * Leases on send partitions, kept in Postgres next to the data they protect. A worker holds a
 * partition while it renews the lease; a worker that dies (even SIGKILL) loses it after the TTL
 * and another takes over with a higher epoch, which fences the old one's commits.
 */
export class PartitionLeases {
  constructor(
    private readonly pool: pg.Pool,
    private readonly owner: string,
    private readonly partitions: number,
    /** Lease length (default 3 s): the longest a dead worker's partitions stay unserved. */
    private readonly ttlMs = 3000,
  ) {}

  async ensurePartitions(): Promise<void> {
    await this.pool.query(
      'INSERT INTO fanout_partitions (partition) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING',
      [this.partitions],
    );
  }

  /**
   * Renews the leases of `partitions` (the ones this worker runs); returns those it still holds.
   * Only those: a lease this owner holds but runs no worker for (left by a crashed incarnation
   * with the same owner name) must lapse, so that it is taken over and served.
   *
   * A lease that lapsed but that no one took over is still this owner's, at its epoch, and is
   * renewed: commits are fenced by owner and epoch, not by the clock, so nothing was committed
   * under anyone else meanwhile. After an outage longer than the TTL (Postgres down, a long
   * stall) the workers go on where they were instead of every partition changing hands.
   */
  async renew(partitions: number[]): Promise<Lease[]> {
    if (partitions.length === 0) return [];
    const result = await this.pool.query<Lease>(
      `UPDATE fanout_partitions SET lease_until = now() + make_interval(secs => $2::float8 / 1000)
        WHERE owner = $1 AND partition = ANY($3::int[]) RETURNING partition, epoch`,
      [this.owner, this.ttlMs, partitions],
    );
    return result.rows;
  }

  /** Says this worker is alive (for as long as a lease lasts) and counts the other live workers. */
  async heartbeat(): Promise<number> {
    const result = await this.pool.query<{ n: number }>(
      `WITH me AS (
         INSERT INTO fanout_workers (owner, seen_until) VALUES ($1, now() + make_interval(secs => $2::float8 / 1000))
         ON CONFLICT (owner) DO UPDATE SET seen_until = EXCLUDED.seen_until)
       SELECT count(*)::int AS n FROM fanout_workers WHERE seen_until > now() AND owner <> $1`,
      [this.owner, this.ttlMs],
    );
    return result.rows[0]?.n ?? 0;
  }

  async leave(): Promise<void> {
    await this.pool.query('DELETE FROM fanout_workers WHERE owner = $1', [this.owner]);
  }

  /** Takes up to `count` free or expired partitions. */
  async acquire(count: number): Promise<Lease[]> {
    if (count <= 0) return [];
    const result = await this.pool.query<Lease>(
      `UPDATE fanout_partitions SET owner = $1, epoch = epoch + 1, lease_until = now() + make_interval(secs => $2::float8 / 1000)
        WHERE partition IN (
          SELECT partition FROM fanout_partitions
           WHERE (owner IS NULL OR lease_until <= now()) AND partition < $4
           ORDER BY partition LIMIT $3 FOR UPDATE SKIP LOCKED)
        RETURNING partition, epoch`,
      [this.owner, this.ttlMs, count, this.partitions],
    );
    return result.rows;
  }

  /**
   * Frees the leases and forgets the liveness of this node id's earlier incarnations (owners
   * `<nodeId>#...` other than this one): a fan-out restarted after a crash serves its partitions
   * again at once instead of after the dead one's TTL. Safe even if an earlier incarnation still
   * runs (two processes given one node id): whoever takes a partition next bumps its epoch, which
   * fences the old owner's commits. Returns the partitions freed.
   */
  async releasePredecessors(nodeId: string): Promise<number[]> {
    const predecessors = `split_part(owner, '#', 1) = $1 AND owner <> $2`;
    await this.pool.query(`DELETE FROM fanout_workers WHERE ${predecessors}`, [nodeId, this.owner]);
    const result = await this.pool.query<{ partition: number }>(
      `UPDATE fanout_partitions SET owner = NULL, lease_until = 'epoch' WHERE ${predecessors} AND lease_until > now() RETURNING partition`,
      [nodeId, this.owner],
    );
    return result.rows.map((row) => row.partition).sort((a, b) => a - b);
  }

  async release(partitions: number[]): Promise<void> {
    if (partitions.length === 0) return;
    await this.pool.query(
      `UPDATE fanout_partitions SET owner = NULL, lease_until = 'epoch' WHERE owner = $1 AND partition = ANY($2::int[])`,
      [this.owner, partitions],
    );
  }
}

/** How many partitions each of `workers` live workers should hold. */
export function fairShare(partitions: number, workers: number): number {
  return Math.ceil(partitions / Math.max(1, workers));
}
