import { describe, expect, it } from 'vitest';
import { RoomStore } from '../../../src/core/storage/room-store.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';

const db = useMigratedDatabase('chat_test_reads_');

describe('storage - read positions', () => {
  it("many reads in one statement: each moves forward only, up to the last message, with its room's members; a non-member gets nothing", async () => {
    const rooms = new RoomStore(db.pool());
    const { roomId: direct } = await rooms.createDirect('ann', 'ben', 100);
    const { roomId: group } = await rooms.createGroup('ann', 'g', ['ben', 'cat'], 100);
    await db.pool().query('UPDATE rooms SET last_seq = 10 WHERE id = ANY($1)', [[direct, group]]);

    const first = await rooms.markReads([
      { room: direct, user: 'ann', seq: 4 },
      { room: group, user: 'ben', seq: 99 },
      { room: direct, user: 'ann', seq: 7 },
      { room: group, user: 'dan', seq: 3 },
      { room: group, user: 'cat', seq: 2 },
    ]);
    expect(first.map((read) => read?.readSeq)).toEqual([7, 10, 7, undefined, 2]);
    expect(first[0]!.members.sort()).toEqual(['ann', 'ben']);
    expect(first[1]!.members.sort()).toEqual(['ann', 'ben', 'cat']);

    const again = await rooms.markReads([{ room: direct, user: 'ann', seq: 5 }]);
    expect(again[0]!.readSeq).toBe(7);
    const stored = await db
      .pool()
      .query<{ room_id: string; user_id: string; read_seq: string }>(
        'SELECT room_id, user_id, read_seq FROM members WHERE read_seq > 0 ORDER BY user_id',
      );
    expect(
      stored.rows.map((row) => [row.user_id, row.room_id === direct ? 'direct' : 'group', Number(row.read_seq)]),
    ).toEqual([
      ['ann', 'direct', 7],
      ['ben', 'group', 10],
      ['cat', 'group', 2],
    ]);
  });
});
