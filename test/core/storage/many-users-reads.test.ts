import { describe, expect, it } from 'vitest';
import { RoomStore } from '../../../src/core/storage/room-store.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';

const db = useMigratedDatabase('chat_test_many_users_');

describe('storage - reads for many users in one statement', () => {
  it("roomsOfUsers answers each user's rooms, newest activity first, in the order asked, a user without rooms with none", async () => {
    const rooms = new RoomStore(db.pool());
    const { roomId: direct } = await rooms.createDirect('ann', 'ben', 100);
    const { roomId: group } = await rooms.createGroup('ann', 'g', ['ben', 'cat'], 100);
    await db.pool().query('UPDATE rooms SET last_seq = 5, members_version = 3 WHERE id = $1', [direct]);
    await db.pool().query('UPDATE rooms SET last_seq = 9 WHERE id = $1', [group]);

    const [cat, nobody, ann, annAgain] = await rooms.roomsOfUsers(['cat', 'nobody', 'ann', 'ann']);
    expect(ann!.rooms.map((room) => room.id)).toEqual([group, direct]);
    expect(ann!.rooms[1]).toMatchObject({
      kind: 'direct',
      lastSeq: 5,
      members: expect.arrayContaining(['ann', 'ben']),
    });
    expect(ann!.membersVersion.get(direct)).toBe(3);
    expect(annAgain!.rooms.map((room) => room.id)).toEqual([group, direct]);
    expect(cat!.rooms.map((room) => room.id)).toEqual([group]);
    expect(nobody).toEqual({ rooms: [], membersVersion: new Map() });
  });

  it('presenceAudiences answers who hears of each user: groups always, a direct room once the user wrote there, never whom it blocked', async () => {
    const rooms = new RoomStore(db.pool());
    const { roomId: direct } = await rooms.createDirect('dan', 'eli', 100);
    await rooms.createGroup('fay', 'g2', ['dan', 'gus'], 100);
    await rooms.createDirect('dan', 'hal', 100);
    await db.pool().query(`UPDATE members SET has_sent = true WHERE room_id = $1 AND user_id = 'dan'`, [direct]);
    await db.pool().query(`INSERT INTO blocks (blocker_id, blocked_id) VALUES ('dan', 'gus')`);

    const [dan, hal, nobody] = await rooms.presenceAudiences(['dan', 'hal', 'nobody'], 100);
    expect(dan!.sort()).toEqual(['eli', 'fay']);
    expect(hal).toEqual([]);
    expect(nobody).toEqual([]);
    const [small] = await rooms.presenceAudiences(['dan'], 2);
    expect(small).toEqual(['eli']);
  });

  it('presenceVisibleToMany answers each ask with the candidates its asker may see, in the order asked', async () => {
    const rooms = new RoomStore(db.pool());
    const { roomId: direct } = await rooms.createDirect('ivy', 'jay', 100);
    await rooms.createDirect('ivy', 'kim', 100);
    await rooms.createGroup('lou', 'g3', ['ivy', 'max'], 100);
    await db.pool().query(`UPDATE members SET has_sent = true WHERE room_id = $1 AND user_id = 'jay'`, [direct]);
    await db.pool().query(`INSERT INTO blocks (blocker_id, blocked_id) VALUES ('max', 'ivy')`);

    const answers = await rooms.presenceVisibleToMany([
      // jay wrote to ivy; kim never did; lou shares a group; max shares it but blocked ivy; a stranger.
      { asker: 'ivy', candidates: ['stranger', 'lou', 'jay', 'kim', 'max', 'lou'] },
      { asker: 'kim', candidates: ['ivy'] },
      { asker: 'ivy', candidates: ['kim'] },
      { asker: 'jay', candidates: [] },
    ]);
    expect(answers).toEqual([['lou', 'jay'], [], [], []]);
  });
});
