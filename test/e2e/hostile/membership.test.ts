import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostileSuite, answerOf, type Answer } from './support/hostile-suite.js';
import { RawWebSocket, type ServerFrame } from './support/raw-socket.js';

/**
 * Membership and identity: every operation on a room checks, on the server, that the user is a
 * member (and the owner where it must be), and the identity is the token's alone; fields that
 * claim another sender, device or user are ignored. The target is the bystanders' own room:
 * after each attempt they still exchange messages, and nothing of theirs reached mallory, nor
 * anything of mallory's reached them.
 */
const suite = new HostileSuite('membership and identity');
let mallory: RawWebSocket;
let victor: RawWebSocket;
let target = '';
/** A group owned by victor, where mallory is an ordinary member (later removed). */
let group = '';
/** mallory's own direct room with victor. */
let ownRoom = '';

beforeAll(async () => {
  await suite.start();
  target = suite.bystanderRoom;
  mallory = await suite.attacker('mallory', 'm1');
  victor = await suite.attacker('victor', 'v1');
  ownRoom = (
    (await mallory.request({ type: 'room.create', kind: 'direct', members: ['victor'] })).room as { id: string }
  ).id;
  group = (
    (await victor.request({ type: 'room.create', kind: 'group', name: 'victor-group', members: ['mallory', 'wendy'] }))
      .room as { id: string }
  ).id;
  await suite.bob.client.registerPush('fcm', 'bobs-real-fcm-token');
}, 60_000);

afterAll(async () => {
  mallory?.close();
  victor?.close();
  await suite.stop();
}, 60_000);

const forbidden: Answer = { error: 'forbidden', idEchoed: true, open: true };
const notFound: Answer = { error: 'not_found', idEchoed: true, open: true };

/** Nothing of mallory reached the bystanders, nothing of theirs reached mallory. */
function assertNoCrossing(): void {
  expect([...suite.alice.messages, ...suite.bob.messages].filter((m) => m.sender === 'mallory')).toEqual([]);
  expect(mallory.frames.filter((f) => JSON.stringify(f).includes(target))).toEqual(
    mallory.frames.filter((f) => f.type === 'error' && JSON.stringify(f).includes(target)),
  );
  expect(suite.bob.client.typingIn(target)).toEqual([]);
}

describe('hostile - a room the user is not a member of', () => {
  const cases = (): Array<[string, () => Record<string, unknown>, Answer]> => [
    [
      'send to a room of others',
      () => ({ type: 'send', room: target, clientMsgId: 'intrude-1', body: 'let me in' }),
      forbidden,
    ],
    ['history of a room of others', () => ({ type: 'history', room: target }), forbidden],
    ['read in a room of others', () => ({ type: 'read', room: target, seq: 1 }), forbidden],
    ['typing in a room of others (with id)', () => ({ type: 'typing', room: target, state: 'start' }), forbidden],
    [
      'room.members.add oneself to a room of others',
      () => ({ type: 'room.members.add', room: target, users: ['mallory'] }),
      forbidden,
    ],
    [
      'room.members.remove a member of a room of others',
      () => ({ type: 'room.members.remove', room: target, users: ['alice'] }),
      forbidden,
    ],
    [
      'room.members.remove oneself from a room of others',
      () => ({ type: 'room.members.remove', room: target, users: ['mallory'] }),
      forbidden,
    ],
    [
      'send to a room that does not exist',
      () => ({ type: 'send', room: 'g_AAAAAAAAAAAAAAAA', clientMsgId: 'ghost-1', body: 'x' }),
      notFound,
    ],
    ['history of a room that does not exist', () => ({ type: 'history', room: 'd_AAAAAAAAAAAAAAAA' }), notFound],
    ['read in a room that does not exist', () => ({ type: 'read', room: 'd_AAAAAAAAAAAAAAAA', seq: 1 }), notFound],
  ];

  it.each(cases().map(([name, frame, expected]) => ({ name, frame, expected })))(
    '$name',
    async ({ name, frame, expected }) => {
      const id = `q${Math.random().toString(36).slice(2, 8)}`;
      const text = JSON.stringify({ ...frame(), id });
      suite.record(name, text, expected, await answerOf(mallory, text, { id }));
      await suite.bystandersExchange(name);
      assertNoCrossing();
    },
  );

  it('typing without id in a room of others is answered forbidden without id, and not forwarded', async () => {
    const answer = await answerOf(mallory, JSON.stringify({ type: 'typing', room: target, state: 'start' }));
    suite.record('typing in a room of others (no id)', 'typing start', { error: 'forbidden', open: true }, answer);
    await suite.bystandersExchange('typing no id');
    assertNoCrossing();
  });

  it('the intruding send was not stored and the read position of bob did not move', async () => {
    const stored = await suite.cluster.query('SELECT seq FROM messages WHERE room_id = $1 AND sender_id = $2', [
      target,
      'mallory',
    ]);
    expect(stored).toEqual([]);
    const members = await suite.cluster.query<{ user_id: string }>(
      'SELECT user_id FROM members WHERE room_id = $1 ORDER BY user_id',
      [target],
    );
    expect(members.map((m) => m.user_id)).toEqual(['alice', 'bob']);
  });

  it('sync naming a room of others returns nothing of it', async () => {
    const from = mallory.frames.length;
    mallory.sendJson({ type: 'sync', id: 'y-intrude', since: { [target]: 0 } });
    const done = await mallory.next((f) => f.id === 'y-intrude' && f.type === 'sync.done', 5000, from);
    const leaked = mallory.frames
      .slice(from)
      .filter((f) => f.type === 'sync.batch')
      .flatMap((f) => (f.messages as Array<{ room: string }>).filter((m) => m.room === target));
    const roomsListed = (done.rooms as Array<{ id: string }>).map((r) => r.id);
    suite.record(
      'sync naming a room of others',
      `sync since {${target}: 0}`,
      { reply: 'sync.done without that room' },
      {
        reply:
          leaked.length === 0 && !roomsListed.includes(target)
            ? 'sync.done without that room'
            : `leaked ${leaked.length} messages, rooms ${roomsListed.join(',')}`,
      },
    );
    await suite.bystandersExchange('sync intrude');
  });

  it('presence.query of users who share no room answers nobody', async () => {
    const reply = await mallory.request({ type: 'presence.query', users: ['alice', 'bob'] });
    suite.record(
      'presence.query of users who share no room',
      'presence.query [alice, bob]',
      { reply: 'presence with 0 users' },
      { reply: `${String(reply.type)} with ${(reply.users as unknown[]).length} users` },
    );
    await suite.bystandersExchange('presence intrude');
  });
});

describe('hostile - rooms the user is in, but without the powers', () => {
  it.each([
    [
      'a plain member adds someone to a group',
      () => ({ type: 'room.members.add', room: group, users: ['eve'] }),
      forbidden,
    ],
    [
      'a plain member removes the owner',
      () => ({ type: 'room.members.remove', room: group, users: ['victor'] }),
      forbidden,
    ],
    [
      'a plain member removes another member',
      () => ({ type: 'room.members.remove', room: group, users: ['wendy'] }),
      forbidden,
    ],
    [
      'adding a member to a direct room',
      () => ({ type: 'room.members.add', room: ownRoom, users: ['eve'] }),
      forbidden,
    ],
    // Leaving a direct room (removing oneself) is allowed: hostile/rooms.test.ts.
    [
      'removing the other member of a direct room',
      () => ({ type: 'room.members.remove', room: ownRoom, users: ['victor'] }),
      forbidden,
    ],
  ] as const)('%s', async (name, frame, expected) => {
    const id = `p${Math.random().toString(36).slice(2, 8)}`;
    const text = JSON.stringify({ ...frame(), id });
    suite.record(name, text, expected, await answerOf(mallory, text, { id }));
    await suite.bystandersExchange(name);
  });

  it('a removed member can neither send, read nor see the room any more', async () => {
    await victor.request({ type: 'room.members.remove', room: group, users: ['mallory'] });
    const answers: Answer[] = [];
    for (const frame of [
      { type: 'send', room: group, clientMsgId: 'after-removal', body: 'still here?' },
      { type: 'history', room: group },
      { type: 'typing', room: group, state: 'start' },
      { type: 'read', room: group, seq: 0 },
    ]) {
      const id = `x${answers.length}`;
      answers.push(await answerOf(mallory, JSON.stringify({ ...frame, id }), { id }));
    }
    const before = mallory.frames.length;
    await victor.request({ type: 'send', room: group, clientMsgId: 'after-mallory', body: 'secret plans' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const leaked = mallory.frames.slice(before).filter((f) => JSON.stringify(f).includes('secret plans'));
    const codes = [...new Set(answers.map((a) => a.error))];
    suite.record(
      'send, history, typing, read after being removed',
      '4 requests on the group',
      { error: 'forbidden', reply: 'no msg of the room' },
      {
        ...(codes.length === 1 ? { error: codes[0] } : {}),
        reply: leaked.length === 0 ? 'no msg of the room' : `${leaked.length} frames leaked`,
      },
    );
    await suite.bystandersExchange('removed member');
  });
});

describe('hostile - claiming another identity', () => {
  it('hello with user and device fields beside the token is welcomed as the token says', async () => {
    const ws = await RawWebSocket.open(suite.url);
    ws.sendJson({
      type: 'hello',
      token: await suite.token('mallory', 'm2'),
      user: 'alice',
      device: 'laptop',
      sub: 'alice',
    });
    const welcome = await ws.next((f) => f.type === 'welcome' || f.type === 'error');
    ws.close();
    suite.record(
      'hello claiming user alice beside a token of mallory',
      'hello + user/device fields',
      { reply: 'welcome as mallory/m2' },
      { reply: `${String(welcome.type)} as ${String(welcome.user)}/${String(welcome.device)}` },
    );
    await suite.bystandersExchange('hello spoof');
  });

  it('a send claiming another sender, device, seq and msgId is delivered as the real sender with a server seq', async () => {
    const from = victor.frames.length;
    const ack = await mallory.request({
      type: 'send',
      room: ownRoom,
      clientMsgId: 'spoof-1',
      body: 'from alice, honest',
      sender: 'alice',
      senderDevice: 'laptop',
      user: 'alice',
      seq: 999,
      msgId: 'forged',
      ts: 0,
    });
    const delivered = (
      await victor.next(
        (f) => f.type === 'msg' && (f.message as { clientMsgId: string }).clientMsgId === 'spoof-1',
        5000,
        from,
      )
    ).message as Record<string, unknown>;
    suite.record(
      'send with forged sender, senderDevice, seq, msgId, ts',
      'send + forged fields',
      { reply: 'ack; delivered as mallory/m1 seq 1' },
      {
        reply: `${String(ack.type)}; delivered as ${String(delivered.sender)}/${String(delivered.senderDevice)} seq ${String(delivered.seq)}${delivered.msgId === 'forged' || delivered.ts === 0 ? ' (forged ids kept!)' : ''}`,
      },
    );
    await suite.bystandersExchange('send spoof');
  });

  it("reusing another user's clientMsgId yields one's own message, never theirs", async () => {
    const alicesAck = await suite.alice.client.send(target, 'mine', { clientMsgId: 'shared-client-id' });
    await suite.bob.waitForCount(target, alicesAck.seq);
    const ack = await mallory.request({
      type: 'send',
      room: ownRoom,
      clientMsgId: 'shared-client-id',
      body: 'copycat',
    });
    suite.record(
      "send with another user's clientMsgId",
      'send clientMsgId=shared-client-id',
      { reply: 'ack of a new message in own room' },
      {
        reply:
          ack.type === 'ack' && ack.room === ownRoom && ack.msgId !== alicesAck.msgId
            ? 'ack of a new message in own room'
            : JSON.stringify(ack),
      },
    );
    suite.bystanderSentOutsideTheCheck();
    await suite.bystandersExchange('clientMsgId reuse');
  });

  it('reusing a clientMsgId for another room is a conflict, the first message stays', async () => {
    const answer = await answerOf(
      mallory,
      JSON.stringify({ type: 'send', id: 'c-room', room: group, clientMsgId: 'spoof-1', body: 'again' }),
      { id: 'c-room' },
    );
    // mallory is no longer in the group: membership is checked first.
    suite.record(
      'resend of a clientMsgId to a room one left',
      'send clientMsgId=spoof-1 to the group',
      { error: 'forbidden', idEchoed: true, open: true },
      answer,
    );
    const other = await mallory.request({ type: 'room.create', kind: 'direct', members: ['wendy'] });
    const answer2 = await answerOf(
      mallory,
      JSON.stringify({
        type: 'send',
        id: 'c-room2',
        room: (other.room as { id: string }).id,
        clientMsgId: 'spoof-1',
        body: 'again',
      }),
      { id: 'c-room2' },
    );
    suite.record(
      'resend of a clientMsgId to another room',
      'send clientMsgId=spoof-1 to another room',
      { error: 'conflict', idEchoed: true, open: true },
      answer2,
    );
    await suite.bystandersExchange('conflict');
  });

  it("read claiming another user's position moves only one's own", async () => {
    const before = await suite.cluster.query<{ read_seq: number }>(
      "SELECT read_seq FROM members WHERE room_id = $1 AND user_id = 'victor'",
      [ownRoom],
    );
    const reply = await mallory.request({ type: 'read', room: ownRoom, seq: 1, user: 'victor' });
    const after = await suite.cluster.query<{ user_id: string; read_seq: number }>(
      'SELECT user_id, read_seq FROM members WHERE room_id = $1 ORDER BY user_id',
      [ownRoom],
    );
    suite.record(
      "read with user: victor (another member's position)",
      'read + user field',
      { reply: 'ok; only mallory moved' },
      {
        reply: `${String(reply.type)}; ${Number(after.find((r) => r.user_id === 'victor')!.read_seq) === Number(before[0]!.read_seq) && Number(after.find((r) => r.user_id === 'mallory')!.read_seq) === 1 ? 'only mallory moved' : JSON.stringify(after)}`,
      },
    );
    await suite.bystandersExchange('read spoof');
  });

  it("push.register naming bob's device registers mallory's own device", async () => {
    const reply = await mallory.request({
      type: 'push.register',
      platform: 'fcm',
      token: 'mallory-token',
      user: 'bob',
      device: 'phone',
    });
    const rows = await suite.cluster.query<{ user_id: string; device_id: string; token: string }>(
      'SELECT user_id, device_id, token FROM push_registrations ORDER BY user_id',
    );
    suite.record(
      "push.register with user/device of bob's phone",
      'push.register + user/device fields',
      { reply: 'ok; bob keeps his token' },
      {
        reply: `${String(reply.type)}; ${
          JSON.stringify(rows) ===
          JSON.stringify([
            { user_id: 'bob', device_id: 'phone', token: 'bobs-real-fcm-token' },
            { user_id: 'mallory', device_id: 'm1', token: 'mallory-token' },
          ])
            ? 'bob keeps his token'
            : JSON.stringify(rows)
        }`,
      },
    );
    await suite.bystandersExchange('push spoof');
  });

  it("push.register of bob's token is conflict, and bob keeps it (a learned token takes nobody's notifications over)", async () => {
    const reply = await mallory.request({ type: 'push.register', platform: 'fcm', token: 'bobs-real-fcm-token' });
    const rows = await suite.cluster.query<{ user_id: string; device_id: string }>(
      "SELECT user_id, device_id FROM push_registrations WHERE token = 'bobs-real-fcm-token'",
    );
    const answer = reply.type === 'error' ? String(reply.code) : String(reply.type);
    const kept = rows.length === 1 && rows[0]!.user_id === 'bob' && rows[0]!.device_id === 'phone';
    suite.record(
      "push.register of bob's fcm token by mallory",
      'push.register with a token registered to bob',
      { reply: 'conflict; bob keeps his token' },
      {
        reply: `${answer}; ${kept ? 'bob keeps his token' : JSON.stringify(rows)}`,
      },
    );
    await suite.bystandersExchange('push takeover');
  });

  it.each([
    ['apns', 'not-hex-at-all', 'a word'],
    ['apns', 'ab'.repeat(16), '16 bytes of hex (APNs tokens are 32 or more)'],
    ['fcm', 'has spaces and "quotes"', 'spaces and quotes'],
  ] as const)(
    'push.register for %s with a token of the wrong shape (%s) is bad_frame and stores nothing',
    async (platform, token, _what) => {
      const reply = await mallory.request({ type: 'push.register', platform, token });
      const rows = await suite.cluster.query<{ user_id: string }>(
        'SELECT user_id FROM push_registrations WHERE token = $1',
        [token],
      );
      suite.record(
        `${platform} token of the wrong shape: ${token}`,
        'push.register',
        { reply: 'bad_frame; nothing stored' },
        {
          reply: `${reply.type === 'error' ? String(reply.code) : String(reply.type)}; ${rows.length === 0 ? 'nothing stored' : JSON.stringify(rows)}`,
        },
      );
    },
  );

  it("push.unregister naming bob's device removes only mallory's own", async () => {
    const reply = await mallory.request({ type: 'push.unregister', user: 'bob', device: 'phone' });
    const rows = await suite.cluster.query<{ user_id: string }>(
      'SELECT user_id FROM push_registrations ORDER BY user_id',
    );
    suite.record(
      "push.unregister with user/device of bob's phone",
      'push.unregister + user/device fields',
      { reply: 'ok; bob keeps his token' },
      {
        reply: `${String(reply.type)}; ${rows.map((r) => r.user_id).join(',') === 'bob' ? 'bob keeps his token' : JSON.stringify(rows)}`,
      },
    );
    await suite.bystandersExchange('push unregister spoof');
  });

  it('the other member of a room sees typing as the real typist', async () => {
    const from = victor.frames.length;
    mallory.sendJson({ type: 'typing', room: ownRoom, state: 'start', user: 'alice' });
    const typing: ServerFrame = await victor.next((f) => f.type === 'typing', 3000, from);
    suite.record(
      'typing with user: alice',
      'typing + user field',
      { reply: 'typing as mallory' },
      { reply: `typing as ${String(typing.user)}` },
    );
    await suite.bystandersExchange('typing spoof');
  });
});
