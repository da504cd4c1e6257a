import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { SendEnvelope } from '../../../src/core/bus/envelopes.js';
import { RoomStore } from '../../../src/core/storage/room-store.js';
import { PartitionLeases } from '../../../src/nodes/fanout/partition-leases.js';
import { RoomSequencer, type Fence, type SendResult } from '../../../src/nodes/fanout/room-sequencer.js';
import { IsolatedCluster } from '../../support/isolated-cluster.js';

// Issue 13, item 2: a commit's membership check and recipient list must not come from a snapshot
// taken before a removal that commits while the commit waits for the room's row. The race is made
// deterministic with a third transaction that holds the room's row: the removal queues on it
// first, the commit (its snapshot taken now) second; releasing the row lets the removal commit
// while the commit still waits.

const cluster = new IsolatedCluster();
const MAX_ROOMS = 10_000;
let pool: pg.Pool;
let rooms: RoomStore;
let sequencer: RoomSequencer;
let fence: Fence;

function send(room: string, sender: string, clientMsgId: string): SendEnvelope {
  return {
    room,
    sender,
    clientMsgId,
    body: 'hi',
    senderDevice: 'phone',
    reply: { node: 'n', conn: 'c' },
    receivedAt: Date.now(),
  };
}

/** Waits until `count` backends of this database wait on a lock. */
async function lockWaiters(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const result = await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );
    if (result.rows[0]!.n >= count) return;
    if (Date.now() > deadline) throw new Error(`expected ${count} lock waiters, saw ${result.rows[0]!.n}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs a removal and a commit queued in that order behind a held room row; returns the commit's results. */
async function removalQueuedBeforeCommit(
  room: string,
  removed: string[],
  commit: () => Promise<SendResult[]>,
): Promise<SendResult[]> {
  const holder = await pool.connect();
  try {
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM rooms WHERE id = $1 FOR UPDATE', [room]);
    const removal = rooms.removeMembers(room, removed);
    await lockWaiters(1);
    const committing = commit();
    await lockWaiters(2);
    await holder.query('COMMIT');
    expect((await removal).removed).toEqual(removed);
    return await committing;
  } finally {
    holder.release();
  }
}

beforeAll(async () => {
  await cluster.setUp();
  pool = new pg.Pool({ connectionString: cluster.postgresUrl, max: 8 });
  rooms = new RoomStore(pool);
  sequencer = new RoomSequencer(pool);
  const leases = new PartitionLeases(pool, 'worker-a', 4);
  await leases.ensurePartitions();
  const [lease] = await leases.acquire(1);
  fence = { partition: lease!.partition, owner: 'worker-a', epoch: lease!.epoch };
});

afterAll(async () => {
  await pool?.end();
  await cluster.tearDown();
});

describe('fanout - a removal racing a commit', () => {
  it('a member removed while a commit waits for the room is not among its recipients', async () => {
    const room = (await rooms.createGroup('alice', 'team', ['alice', 'bob', 'carol'], MAX_ROOMS)).roomId;
    const [result] = await removalQueuedBeforeCommit(room, ['bob'], () =>
      sequencer.commit([send(room, 'alice', 'a1')], fence),
    );
    expect(result).toMatchObject({ kind: 'committed', message: { seq: 1 } });
    expect(result?.kind === 'committed' && [...result.members].sort()).toEqual(['alice', 'carol']);
  });

  it('a sender removed while its commit waits for the room is refused, and the room takes no seq', async () => {
    const room = (await rooms.createGroup('dave', 'crew', ['dave', 'erin', 'frank'], MAX_ROOMS)).roomId;
    const results = await removalQueuedBeforeCommit(room, ['erin'], () =>
      sequencer.commit([send(room, 'erin', 'e1'), send(room, 'dave', 'd1')], fence),
    );
    expect(results[0]).toMatchObject({ kind: 'rejected', code: 'forbidden' });
    expect(results[1]).toMatchObject({ kind: 'committed', message: { seq: 1, sender: 'dave' } });
    expect(await rooms.lastSeq(room)).toBe(1);
  });

  it('the careful path (a batch holding a resend) sees the removal too', async () => {
    const room = (await rooms.createGroup('gina', 'club', ['gina', 'hank', 'ivy'], MAX_ROOMS)).roomId;
    // The same clientMsgId twice in one batch sends it down the read-then-write path.
    const results = await removalQueuedBeforeCommit(room, ['hank'], () =>
      sequencer.commit([send(room, 'gina', 'g1'), send(room, 'gina', 'g1'), send(room, 'hank', 'h1')], fence),
    );
    expect(results[0]).toMatchObject({ kind: 'committed', replay: false, message: { seq: 1 } });
    expect(results[0]!.kind === 'committed' && [...results[0]!.members].sort()).toEqual(['gina', 'ivy']);
    expect(results[1]).toMatchObject({ kind: 'committed', replay: true, message: { seq: 1 } });
    expect(results[2]).toMatchObject({ kind: 'rejected', code: 'forbidden' });
    expect(await rooms.lastSeq(room)).toBe(1);
  });
});
