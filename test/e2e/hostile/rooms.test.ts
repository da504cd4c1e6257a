import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../support/isolated-cluster.js';
import { HostileSuite } from './support/hostile-suite.js';
import { RawWebSocket, type ServerFrame } from './support/raw-socket.js';

/**
 * Rooms as a spam and tracking channel (issue 13, item 4): room creation and adds are rate
 * limited, a user is in a bounded number of rooms, rooms.list comes in pages, a user can leave
 * any room and block users, and presence is seen only by those the user talked to or shares a
 * group with. Small limits make each reachable in a few requests: 20 users added at once, 2 per
 * second after that, 5 rooms per user; a 300 ms presence grace period.
 */
const suite = new HostileSuite('rooms, blocks and presence visibility');
const open: RawWebSocket[] = [];

beforeAll(async () => {
  await suite.start([], ['presence'], {
    CHAT_ROOM_ADD_RATE: '2',
    CHAT_ROOM_ADD_BURST: '20',
    CHAT_MAX_ROOMS_PER_USER: '5',
    CHAT_PRESENCE_GRACE_MS: '300',
  });
}, 60_000);

afterAll(async () => {
  for (const ws of open) ws.close();
  await suite.stop();
}, 60_000);

async function connect(user: string, device = 'd1'): Promise<RawWebSocket> {
  const ws = await suite.attacker(user, device);
  open.push(ws);
  return ws;
}

type RoomView = { id: string; kind: string; members: string[] };
const roomOf = (frame: ServerFrame) => frame.room as RoomView;
const users = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const presenceOf = (ws: RawWebSocket, user: string) =>
  ws.frames
    .filter((f) => f.type === 'presence' && f.id === undefined)
    .flatMap((f) => (f.users as Array<{ user: string; status: string }>).filter((u) => u.user === user));

describe('hostile - room creation and adds are rate limited', () => {
  it('adding more users than the burst is rate_limited with retryAfterMs, for room.create and room.members.add', async () => {
    const spammer = await connect('spammer');
    const first = await spammer.request({
      type: 'room.create',
      kind: 'group',
      name: 'spam 1',
      members: users('spam-a', 15),
    });
    expect(first.type, JSON.stringify(first)).toBe('room');
    const second = await spammer.request({
      type: 'room.create',
      kind: 'group',
      name: 'spam 2',
      members: users('spam-b', 15),
    });
    expect(second).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect(second.retryAfterMs).toBeGreaterThan(0);
    const add = await spammer.request({ type: 'room.members.add', room: roomOf(first).id, users: users('spam-c', 10) });
    expect(add).toMatchObject({ type: 'error', code: 'rate_limited' });
    // Nobody of the refused requests was added anywhere.
    const rows = await suite.cluster.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM members WHERE user_id LIKE 'spam-b%' OR user_id LIKE 'spam-c%'`,
    );
    expect(rows[0]!.n).toBe(0);
    await suite.bystandersExchange('after room spam');
  });

  it('direct rooms one after another hit the same limit', async () => {
    const spammer = await connect('dm-spammer');
    const answers: ServerFrame[] = [];
    for (const target of users('dm-target', 24))
      answers.push(await spammer.request({ type: 'room.create', kind: 'direct', members: [target] }));
    const limited = answers.filter((a) => a.type === 'error');
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((a) => a.code === 'rate_limited' || a.code === 'too_large')).toBe(true);
    expect(answers.some((a) => a.code === 'rate_limited')).toBe(true);
  });
});

describe('hostile - a user is in at most maxRoomsPerUser rooms', () => {
  it('a user at the cap is refused as the other side of a direct room, left out of groups and adds, and cannot create', async () => {
    const filler = await connect('cap-filler');
    const cappy = await connect('cappy');
    for (let i = 0; i < 5; i++)
      expect(
        (await filler.request({ type: 'room.create', kind: 'group', name: `fill ${i}`, members: ['cappy'] })).type,
      ).toBe('room');
    const other = await connect('cap-other');
    const direct = await other.request({ type: 'room.create', kind: 'direct', members: ['cappy'] });
    expect(direct).toMatchObject({ type: 'error', code: 'too_large' });
    expect(String(direct.message)).toContain('cappy');
    const group = await other.request({
      type: 'room.create',
      kind: 'group',
      name: 'partial',
      members: ['cappy', 'cap-free'],
    });
    expect(group.type).toBe('room');
    expect([...roomOf(group).members].sort()).toEqual(['cap-free', 'cap-other']);
    expect(group.refused).toEqual([{ user: 'cappy', reason: 'too_many_rooms' }]);
    const add = await other.request({ type: 'room.members.add', room: roomOf(group).id, users: ['cappy'] });
    expect(add.type).toBe('room');
    expect(roomOf(add).members).not.toContain('cappy');
    expect(add.refused).toEqual([{ user: 'cappy', reason: 'too_many_rooms' }]);
    // The creator itself at the cap (cap-filler made 5 rooms, cappy is in 5).
    expect(await filler.request({ type: 'room.create', kind: 'group', name: 'one more', members: [] })).toMatchObject({
      type: 'error',
      code: 'too_large',
    });
    expect(await cappy.request({ type: 'room.create', kind: 'direct', members: ['cap-other'] })).toMatchObject({
      type: 'error',
      code: 'too_large',
    });
    const rows = await suite.cluster.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM members WHERE user_id = 'cappy'`,
    );
    expect(rows[0]!.n).toBe(5);
    // Leaving one makes room for another.
    const mine = (await cappy.request({ type: 'rooms.list' })).rooms as RoomView[];
    expect((await cappy.request({ type: 'room.members.remove', room: mine[0]!.id, users: ['cappy'] })).type).toBe(
      'room',
    );
    expect((await other.request({ type: 'room.create', kind: 'direct', members: ['cappy'] })).type).toBe('room');
  });
});

describe('hostile - rooms.list comes in pages', () => {
  it('limit and after page through every room once; next is absent on the last page', async () => {
    const pam = await connect('pam');
    for (const other of ['pam-1', 'pam-2', 'pam-3', 'pam-4'])
      expect((await pam.request({ type: 'room.create', kind: 'direct', members: [other] })).type).toBe('room');
    const first = await pam.request({ type: 'rooms.list', limit: 3 });
    expect(first.type).toBe('rooms');
    expect((first.rooms as RoomView[]).length).toBe(3);
    expect(typeof first.next).toBe('string');
    const second = await pam.request({ type: 'rooms.list', limit: 3, after: first.next });
    expect((second.rooms as RoomView[]).length).toBe(1);
    expect(second.next).toBeUndefined();
    const ids = [...(first.rooms as RoomView[]), ...(second.rooms as RoomView[])].map((room) => room.id);
    expect(new Set(ids).size).toBe(4);
    expect(await pam.request({ type: 'rooms.list', limit: 100_000 })).toMatchObject({
      type: 'error',
      code: 'bad_frame',
    });
  });
});

describe('hostile - leaving a direct room', () => {
  it('a member leaves a direct room: it gets nothing more of it until the room is created again', async () => {
    const lena = await connect('lena');
    const lou = await connect('lou');
    const room = roomOf(await lena.request({ type: 'room.create', kind: 'direct', members: ['lou'] })).id;
    const left = await lou.request({ type: 'room.members.remove', room, users: ['lou'] });
    expect(left.type, JSON.stringify(left)).toBe('room');
    expect(roomOf(left).members).toEqual(['lena']);
    await lena.next(
      (f) => f.type === 'room' && f.id === undefined && roomOf(f).id === room && !roomOf(f).members.includes('lou'),
    );
    const from = lou.frames.length;
    expect((await lena.request({ type: 'send', room, clientMsgId: 'after-leave-1', body: 'still there?' })).type).toBe(
      'ack',
    );
    expect(await lou.request({ type: 'history', room })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(lou.frames.slice(from).filter((f) => f.type === 'msg')).toEqual([]);
    // Removing the other member of a direct room stays forbidden.
    expect(await lena.request({ type: 'room.members.remove', room, users: ['lou'] })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    // Creating the pair's room again brings the leaver back (a block prevents it).
    const again = await lena.request({ type: 'room.create', kind: 'direct', members: ['lou'] });
    expect(roomOf(again).id).toBe(room);
    expect([...roomOf(again).members].sort()).toEqual(['lena', 'lou']);
    expect((await lou.request({ type: 'history', room })).type).toBe('history');
  });
});

describe('hostile - blocking a user', () => {
  it('a blocked user cannot make a direct room with the blocker nor add it anywhere; blocks.list shows it', async () => {
    const vera = await connect('vera');
    const mal = await connect('mal');
    expect((await vera.request({ type: 'user.block', user: 'mal' })).type).toBe('ok');
    expect(await vera.request({ type: 'blocks.list' })).toMatchObject({ type: 'blocks', users: ['mal'] });
    expect(await mal.request({ type: 'room.create', kind: 'direct', members: ['vera'] })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    const group = await mal.request({
      type: 'room.create',
      kind: 'group',
      name: 'trap',
      members: ['vera', 'mal-friend'],
    });
    expect(group.type).toBe('room');
    expect([...roomOf(group).members].sort()).toEqual(['mal', 'mal-friend']);
    expect(group.refused).toEqual([{ user: 'vera', reason: 'blocked' }]);
    const add = await mal.request({ type: 'room.members.add', room: roomOf(group).id, users: ['vera'] });
    expect(roomOf(add).members).not.toContain('vera');
    expect(add.refused).toEqual([{ user: 'vera', reason: 'blocked' }]);
    // The blocker may still reach the blocked user; unblocking lifts the refusals.
    expect((await vera.request({ type: 'user.unblock', user: 'mal' })).type).toBe('ok');
    expect(await vera.request({ type: 'blocks.list' })).toMatchObject({ type: 'blocks', users: [] });
    expect((await mal.request({ type: 'room.create', kind: 'direct', members: ['vera'] })).type).toBe('room');
    expect(await vera.request({ type: 'user.block', user: 'vera' })).toMatchObject({
      type: 'error',
      code: 'bad_frame',
    });
  });

  it('a blocked user neither gets the blocker in presence.query nor hears its changes; a group co-member does', async () => {
    const walt = await connect('walt');
    const mole = await connect('mole');
    await walt.request({ type: 'room.create', kind: 'group', name: 'shared', members: ['mole', 'blocky'] });
    const blocky = await connect('blocky');
    await waitFor(
      () => presenceOf(walt, 'blocky').some((u) => u.status === 'online'),
      5000,
      'walt to see blocky online',
    );
    expect((await mole.request({ type: 'presence.query', users: ['blocky'] })).users).toHaveLength(1);
    expect((await blocky.request({ type: 'user.block', user: 'mole' })).type).toBe('ok');
    expect((await mole.request({ type: 'presence.query', users: ['blocky', 'walt'] })).users).toEqual([
      expect.objectContaining({ user: 'walt' }),
    ]);
    const before = presenceOf(mole, 'blocky').length;
    blocky.close();
    await waitFor(
      () => presenceOf(walt, 'blocky').some((u) => u.status === 'offline'),
      5000,
      'walt to see blocky offline',
    );
    await connect('blocky', 'd2');
    await waitFor(
      () => presenceOf(walt, 'blocky').filter((u) => u.status === 'online').length === 2,
      5000,
      'walt to see blocky online again',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(presenceOf(mole, 'blocky').length).toBe(before);
  });
});

describe('hostile - presence is for those one talked to or shares a group with', () => {
  it('creating a direct room with a user does not show its presence; its first message there does', async () => {
    const stalker = await connect('stalker');
    const pal = await connect('pal');
    const room = roomOf(await stalker.request({ type: 'room.create', kind: 'direct', members: ['quarry'] })).id;
    await pal.request({ type: 'room.create', kind: 'group', name: 'pals', members: ['quarry'] });
    const quarry = await connect('quarry');
    await waitFor(() => presenceOf(pal, 'quarry').some((u) => u.status === 'online'), 5000, 'pal to see quarry online');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(presenceOf(stalker, 'quarry')).toEqual([]);
    expect((await stalker.request({ type: 'presence.query', users: ['quarry'] })).users).toEqual([]);
    // The stalker's own messages change nothing for the stalker; quarry is told the stalker's
    // status unasked (writing to quarry lets quarry see the stalker).
    await stalker.request({ type: 'send', room, clientMsgId: 'stalk-1', body: 'hi?' });
    await waitFor(() => presenceOf(quarry, 'stalker').length > 0, 5000, 'quarry to be told of the stalker');
    expect(presenceOf(quarry, 'stalker')).toEqual([expect.objectContaining({ user: 'stalker', status: 'online' })]);
    expect((await stalker.request({ type: 'presence.query', users: ['quarry'] })).users).toEqual([]);
    expect(presenceOf(stalker, 'quarry')).toEqual([]);
    // Once quarry answers, the stalker is someone quarry talked to, and is told so unasked, once.
    expect((await quarry.request({ type: 'send', room, clientMsgId: 'answer-1', body: 'hello' })).type).toBe('ack');
    await waitFor(() => presenceOf(stalker, 'quarry').length > 0, 5000, 'the stalker to be told of quarry');
    expect(presenceOf(stalker, 'quarry')).toEqual([expect.objectContaining({ user: 'quarry', status: 'online' })]);
    expect((await quarry.request({ type: 'send', room, clientMsgId: 'answer-2', body: 'again' })).type).toBe('ack');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(presenceOf(stalker, 'quarry')).toHaveLength(1);
    expect((await stalker.request({ type: 'presence.query', users: ['quarry'] })).users).toEqual([
      expect.objectContaining({ user: 'quarry', status: 'online' }),
    ]);
    // And quarry sees the stalker (who wrote first) as well.
    expect((await quarry.request({ type: 'presence.query', users: ['stalker'] })).users).toEqual([
      expect.objectContaining({ user: 'stalker' }),
    ]);
  });

  it('a user who blocked the other member of a direct room does not show its presence by writing there', async () => {
    const nosy = await connect('nosy');
    const hermit = await connect('hermit');
    const room = roomOf(await nosy.request({ type: 'room.create', kind: 'direct', members: ['hermit'] })).id;
    expect((await hermit.request({ type: 'user.block', user: 'nosy' })).type).toBe('ok');
    const sent = await hermit.request({ type: 'send', room, clientMsgId: 'not-for-nosy', body: 'talking to myself' });
    expect(sent.type).toBe('ack');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(presenceOf(nosy, 'hermit')).toEqual([]);
    expect((await nosy.request({ type: 'presence.query', users: ['hermit'] })).users).toEqual([]);
  });
});
