import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { SendEnvelope } from '../../../src/core/bus/envelopes.js';
import { RoomStore } from '../../../src/core/storage/room-store.js';
import { PartitionLeases } from '../../../src/nodes/fanout/partition-leases.js';
import { CommitCoalescer } from '../../../src/nodes/fanout/commit-coalescer.js';
import { FencedError, RoomSequencer, type Fence } from '../../../src/nodes/fanout/room-sequencer.js';
import { IsolatedCluster } from '../../support/isolated-cluster.js';

const cluster = new IsolatedCluster();
const MAX_ROOMS = 10_000;
let pool: pg.Pool;
let rooms: RoomStore;
let sequencer: RoomSequencer;
let fence: Fence;
let leases: PartitionLeases;

function send(room: string, sender: string, clientMsgId: string, body = 'hi'): SendEnvelope {
  return {
    room,
    sender,
    clientMsgId,
    body,
    senderDevice: 'phone',
    reply: { node: 'n', conn: 'c' },
    receivedAt: Date.now(),
  };
}

beforeAll(async () => {
  await cluster.setUp();
  pool = new pg.Pool({ connectionString: cluster.postgresUrl, max: 8 });
  rooms = new RoomStore(pool);
  sequencer = new RoomSequencer(pool);
  leases = new PartitionLeases(pool, 'worker-a', 4);
  await leases.ensurePartitions();
  const [lease] = await leases.acquire(1);
  fence = { partition: lease!.partition, owner: 'worker-a', epoch: lease!.epoch };
});

afterAll(async () => {
  await pool?.end();
  await cluster.tearDown();
});

describe('fanout - room sequencer (Postgres)', () => {
  it('a batch gets gap-free seqs per room in arrival order', async () => {
    const { roomId: r1 } = await rooms.createDirect('alice', 'bob', MAX_ROOMS);
    const r2 = (await rooms.createGroup('alice', 'team', ['alice', 'bob', 'carol'], MAX_ROOMS)).roomId;
    const results = await sequencer.commit(
      [send(r1, 'alice', 'a1'), send(r2, 'carol', 'c1'), send(r1, 'bob', 'b1'), send(r1, 'alice', 'a2')],
      fence,
    );
    const seqs = results.map((r) =>
      r.kind === 'committed' ? [r.message.room === r1 ? 'r1' : 'r2', r.message.seq] : r.kind,
    );
    expect(seqs).toEqual([
      ['r1', 1],
      ['r2', 1],
      ['r1', 2],
      ['r1', 3],
    ]);
    expect(await rooms.lastSeq(r1)).toBe(3);
  });

  it('a resend returns the first result and stores nothing new', async () => {
    const { roomId } = await rooms.createDirect('dave', 'erin', MAX_ROOMS);
    const [first] = await sequencer.commit([send(roomId, 'dave', 'same', 'original')], fence);
    const [again] = await sequencer.commit([send(roomId, 'dave', 'same', 'changed body')], fence);
    expect(first).toMatchObject({ kind: 'committed', replay: false });
    expect(again).toMatchObject({ kind: 'committed', replay: true });
    if (first?.kind !== 'committed' || again?.kind !== 'committed') throw new Error('not committed');
    expect(again.message).toEqual(first.message);
    const stored = await cluster.query('SELECT body FROM messages WHERE room_id = $1', [roomId]);
    expect(stored).toEqual([{ body: 'original' }]);
  });

  it('concurrent batches on one room never share or skip a seq', async () => {
    const { roomId } = await rooms.createDirect('fay', 'gus', MAX_ROOMS);
    await Promise.all(
      Array.from({ length: 8 }, (_, worker) =>
        sequencer.commit(
          Array.from({ length: 25 }, (_, i) => send(roomId, i % 2 ? 'fay' : 'gus', `w${worker}-${i}`)),
          fence,
        ),
      ),
    );
    const rows = await cluster.query<{ seq: number }>('SELECT seq FROM messages WHERE room_id = $1 ORDER BY seq', [
      roomId,
    ]);
    expect(rows.map((row) => Number(row.seq))).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });

  it('a non-member is refused and the room keeps its seq', async () => {
    const { roomId } = await rooms.createDirect('hal', 'ida', MAX_ROOMS);
    const [result] = await sequencer.commit([send(roomId, 'mallory', 'm1')], fence);
    expect(result).toMatchObject({ kind: 'rejected', code: 'forbidden' });
    expect(await rooms.lastSeq(roomId)).toBe(0);
  });

  it('batches of two partitions commit in one statement; a lost lease fences only its own batch', async () => {
    const [second, third] = await leases.acquire(2);
    const other: Fence = { partition: second!.partition, owner: 'worker-a', epoch: second!.epoch };
    const stale: Fence = { partition: third!.partition, owner: 'worker-a', epoch: third!.epoch - 1 };
    const { roomId: r1 } = await rooms.createDirect('lea', 'max', MAX_ROOMS);
    const { roomId: r2 } = await rooms.createDirect('ned', 'ona', MAX_ROOMS);
    const [first, both, fenced] = await sequencer.commitBatches([
      { sends: [send(r1, 'lea', 'l1'), send(r1, 'max', 'm1')], fence },
      { sends: [send(r2, 'ned', 'n1')], fence: other },
      { sends: [send(r2, 'ona', 'o1')], fence: stale },
    ]);
    expect(first).toMatchObject([
      { kind: 'committed', message: { seq: 1 } },
      { kind: 'committed', message: { seq: 2 } },
    ]);
    expect(both).toMatchObject([{ kind: 'committed', message: { room: r2, seq: 1 } }]);
    expect(fenced).toBeInstanceOf(FencedError);
    expect(await rooms.lastSeq(r2)).toBe(1);
    await leases.release([other.partition, stale.partition]);
  });

  it('a resend in one partition batch sends that batch the careful way, the others still commit', async () => {
    const { roomId: r1 } = await rooms.createDirect('pia', 'quin', MAX_ROOMS);
    const { roomId: r2 } = await rooms.createDirect('rex', 'sue', MAX_ROOMS);
    const [original] = await sequencer.commit([send(r1, 'pia', 'p1', 'first')], fence);
    const [resent, fresh] = await sequencer.commitBatches([
      { sends: [send(r1, 'pia', 'p1', 'first'), send(r1, 'quin', 'q1')], fence },
      { sends: [send(r2, 'rex', 'x1')], fence },
    ]);
    expect(resent).toMatchObject([
      { kind: 'committed', replay: true },
      { kind: 'committed', replay: false, message: { seq: 2 } },
    ]);
    expect((resent as Array<{ message: unknown }>)[0]!.message).toEqual((original as { message: unknown }).message);
    expect(fresh).toMatchObject([{ kind: 'committed', replay: false, message: { seq: 1 } }]);
  });

  it('coalesced batches: a send Postgres refuses fails its own batch alone, neighbours commit', async () => {
    const coalescer = new CommitCoalescer(sequencer, { maxInFlight: 1 });
    const { roomId: r1 } = await rooms.createDirect('tom', 'uma', MAX_ROOMS);
    const { roomId: r2 } = await rooms.createDirect('vic', 'wes', MAX_ROOMS);
    const { roomId: r3 } = await rooms.createDirect('xia', 'yan', MAX_ROOMS);
    const blocker = coalescer.commit([send(r3, 'xia', 'y0')], fence);
    const [bad, good] = await Promise.allSettled([
      coalescer.commit([send(r1, 'tom', 't1', 'a NUL \u0000 Postgres text cannot hold')], fence),
      coalescer.commit([send(r2, 'vic', 'v1')], fence),
      blocker,
    ]);
    expect(bad).toMatchObject({ status: 'rejected', reason: { code: '22021' } });
    expect(good).toMatchObject({ status: 'fulfilled', value: [{ kind: 'committed', message: { seq: 1 } }] });
    expect(await rooms.lastSeq(r1)).toBe(0);
  });

  it('a worker whose lease was taken over cannot commit', async () => {
    const { roomId } = await rooms.createDirect('jon', 'kim', MAX_ROOMS);
    await pool.query(`UPDATE fanout_partitions SET lease_until = now() - interval '1 second' WHERE partition = $1`, [
      fence.partition,
    ]);
    const thief = new PartitionLeases(pool, 'worker-b', 4);
    const taken = await thief.acquire(4);
    expect(taken.map((lease) => lease.partition)).toContain(fence.partition);
    await expect(sequencer.commit([send(roomId, 'jon', 'late')], fence)).rejects.toBeInstanceOf(FencedError);
    expect(await rooms.lastSeq(roomId)).toBe(0);
  });
});
