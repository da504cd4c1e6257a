import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, type ChatError, type PresenceEvent, type TypingEvent } from '../../../src/core/client/index.js';
import type { Message, Room } from '../../../src/core/protocol/index.js';
import { FakeGateway, type FakeSession } from './fake-gateway.js';

const gateways: FakeGateway[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

interface Connected {
  client: ChatClient;
  session: FakeSession;
  typing: TypingEvent[];
  presence: PresenceEvent[];
  errors: ChatError[];
}

/** A live client (alice) on a fake gateway whose sync reports `rooms`. */
async function connected(rooms: Room[] = [room('r')], presenceAskDelayMs = 100): Promise<Connected> {
  const g = await FakeGateway.start({ rooms });
  gateways.push(g);
  const client = new ChatClient({
    urls: [g.url],
    token: 'alice:d1',
    backoff: { initialMs: 20, maxMs: 100 },
    gapFillDelayMs: 0,
    presenceAskDelayMs,
    random: () => 0.5,
  });
  clients.push(client);
  const observed: Connected = {
    client,
    session: undefined as unknown as FakeSession,
    typing: [],
    presence: [],
    errors: [],
  };
  client.on('typing', (e) => observed.typing.push(e));
  client.on('presence', (e) => observed.presence.push(e));
  client.on('error', (e) => observed.errors.push(e));
  await client.connect();
  observed.session = await g.nextWelcomed();
  return observed;
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function room(id: string, fields: Partial<Room> = {}): Room {
  return {
    id,
    kind: 'group',
    name: id,
    members: ['alice', 'bob', 'carol'],
    owner: 'bob',
    lastSeq: 0,
    readSeq: 0,
    unread: 0,
    ...fields,
  };
}

function msg(roomId: string, seq: number, sender = 'bob'): Message {
  return {
    room: roomId,
    seq,
    msgId: `${roomId}-${seq}`,
    sender,
    senderDevice: 'db',
    clientMsgId: `c${seq}`,
    body: `#${seq}`,
    ts: 1000 + seq,
  };
}

function typingFrame(user: string, state: 'start' | 'stop', ttlMs = 8000, roomId = 'r') {
  return { type: 'typing', room: roomId, user, state, ttlMs } as const;
}

describe('chat client: typing', () => {
  it('a start is an event and lists the typist; a renewal is silent; a stop ends it', async () => {
    const { client: c, session: s, typing } = await connected();
    s.send(typingFrame('bob', 'start'));
    await until(() => typing.length === 1);
    expect(typing[0]).toEqual({ room: 'r', user: 'bob', state: 'start', ttlMs: 8000 });
    expect(c.typingIn('r')).toEqual(['bob']);
    s.send(typingFrame('carol', 'start'));
    s.send(typingFrame('bob', 'start')); // renewal
    s.send(typingFrame('bob', 'stop'));
    s.send(typingFrame('bob', 'stop')); // not typing any more: nothing
    await until(() => typing.length === 3);
    await sleep(30);
    expect(typing.map((e) => `${e.user} ${e.state}`)).toEqual(['bob start', 'carol start', 'bob stop']);
    expect(c.typingIn('r')).toEqual(['carol']);
  });

  it('a start without renewal or stop ends after ttlMs with an expired stop', async () => {
    const { client: c, session: s, typing } = await connected();
    s.send(typingFrame('bob', 'start', 80));
    await until(() => typing.length === 1);
    expect(c.typingIn('r')).toEqual(['bob']);
    await until(() => typing.length === 2);
    expect(typing[1]).toEqual({ room: 'r', user: 'bob', state: 'stop', ttlMs: 0, expired: true });
    expect(c.typingIn('r')).toEqual([]);
  });

  it('a new message from the typist ends its typing; a repeated one does not', async () => {
    const { client: c, session: s, typing } = await connected();
    const messages: Message[] = [];
    c.on('message', (m) => messages.push(m));
    s.send(typingFrame('bob', 'start'));
    s.send(typingFrame('carol', 'start'));
    s.send({ type: 'msg', message: msg('r', 1, 'bob') });
    await until(() => typing.length === 3);
    expect(messages.map((m) => m.seq)).toEqual([1]);
    expect(typing[2]).toEqual({ room: 'r', user: 'bob', state: 'stop', ttlMs: 0 });
    expect(c.typingIn('r')).toEqual(['carol']);
    let reads = 0;
    c.on('read', () => reads++);
    s.send(typingFrame('bob', 'start'));
    s.send({ type: 'msg', message: msg('r', 1, 'bob') }); // delivered again: says nothing new
    s.send({ type: 'read', room: 'r', user: 'carol', seq: 1 }); // frames are read in order: once this is, so is the repeat
    await until(() => reads === 1);
    expect(typing).toHaveLength(4);
    expect(c.typingIn('r')).toEqual(['bob', 'carol']);
  });

  it('a lost connection stops every typist, and so does leaving the room', async () => {
    const { client: c, session: s, typing } = await connected([room('r'), room('q')]);
    s.send(typingFrame('bob', 'start'));
    s.send(typingFrame('carol', 'start', 8000, 'q'));
    await until(() => typing.length === 2);
    s.send({ type: 'room', room: room('q', { members: ['bob', 'carol'] }) }); // alice was removed from q
    await until(() => typing.length === 3);
    expect(typing[2]).toEqual({ room: 'q', user: 'carol', state: 'stop', ttlMs: 0 });
    expect(c.typingIn('q')).toEqual([]);
    s.terminate();
    await until(() => typing.length === 4);
    expect(typing[3]).toEqual({ room: 'r', user: 'bob', state: 'stop', ttlMs: 0 });
    expect(c.typingIn('r')).toEqual([]);
  });

  it('setTyping writes a frame without id, and is false while offline', async () => {
    const g = await FakeGateway.start();
    gateways.push(g);
    const c = new ChatClient({
      urls: [g.url],
      token: 'alice:d1',
      backoff: { initialMs: 20, maxMs: 100 },
      random: () => 0.5,
    });
    clients.push(c);
    expect(c.setTyping('r', 'start')).toBe(false);
    await c.connect();
    const s = await g.nextWelcomed();
    expect(c.setTyping('r', 'start')).toBe(true);
    expect(c.setTyping('r', 'stop')).toBe(true);
    expect(await s.next('typing')).toEqual({ type: 'typing', room: 'r', state: 'start' });
    expect(await s.next('typing')).toEqual({ type: 'typing', room: 'r', state: 'stop' });
    s.terminate();
    await until(() => c.state === 'reconnecting');
    expect(c.setTyping('r', 'start')).toBe(false);
  });

  it('a typing request with an id resolves on ok and rejects on an error; a refused setTyping is an error event', async () => {
    const { client: c, session: s, errors } = await connected();
    const accepted = c.request({ type: 'typing', room: 'r', state: 'start' });
    const first = await s.next('typing');
    expect(first.id).toBeDefined();
    s.send({ type: 'ok', id: first.id });
    await expect(accepted).resolves.toEqual({ type: 'ok', id: first.id });
    const refused = c.request({ type: 'typing', room: 'nope', state: 'start' });
    const second = await s.next('typing');
    s.send({ type: 'error', id: second.id, code: 'forbidden', message: 'not a member of nope' });
    await expect(refused).rejects.toMatchObject({ code: 'forbidden' });
    c.setTyping('nope', 'stop');
    await s.next('typing');
    s.send({ type: 'error', code: 'forbidden', message: 'not a member of nope' });
    s.send({ type: 'ok', id: 'unknown-request' }); // a reply nobody waits for is dropped
    await until(() => errors.length === 1);
    await sleep(20);
    expect(errors.map((e) => e.code)).toEqual(['forbidden']);
    expect(c.state).toBe('live');
  });
});

describe('chat client: presence', () => {
  it('presenceOf follows unsolicited presence frames and query answers', async () => {
    const { client: c, session: s, presence } = await connected();
    expect(c.presenceOf('bob')).toBeUndefined();
    s.send({ type: 'presence', users: [{ user: 'bob', status: 'online', lastSeen: 1000 }] });
    await until(() => presence.length === 1);
    expect(c.presenceOf('bob')).toEqual({ user: 'bob', status: 'online', lastSeen: 1000 });

    const asked = c.queryPresence(['bob', 'carol', 'stranger']);
    const query = await s.next('presence.query');
    expect(query.users).toEqual(['bob', 'carol', 'stranger']);
    const answer = [
      { user: 'bob', status: 'offline' as const, lastSeen: 2000 },
      { user: 'carol', status: 'online' as const, lastSeen: 2500 },
    ];
    s.send({ type: 'presence', id: query.id, users: answer });
    expect(await asked).toEqual(answer);
    // A query answer is no 'presence' event (the caller has it), but it updates presenceOf.
    expect(presence).toHaveLength(1);
    expect(c.presenceOf('bob')).toEqual({ user: 'bob', status: 'offline', lastSeen: 2000 });
    expect(c.presenceOf('carol')).toEqual({ user: 'carol', status: 'online', lastSeen: 2500 });
    expect(c.presenceOf('stranger')).toBeUndefined();

    s.send({ type: 'presence', users: [{ user: 'carol', status: 'offline', lastSeen: 3000 }] });
    await until(() => presence.length === 2);
    expect(c.presenceOf('carol')).toEqual({ user: 'carol', status: 'offline', lastSeen: 3000 });
  });

  it('the last status heard is kept across a reconnect', async () => {
    const { client: c, session: s, presence } = await connected();
    s.send({ type: 'presence', users: [{ user: 'bob', status: 'online', lastSeen: 1000 }] });
    await until(() => presence.length === 1);
    s.terminate();
    await until(() => c.state === 'reconnecting');
    expect(c.presenceOf('bob')).toEqual({ user: 'bob', status: 'online', lastSeen: 1000 });
  });

  it('after a reconnect the client asks again for everyone it holds, and the answer is an event', async () => {
    const { client: c, session: s, presence } = await connected();
    s.send({ type: 'presence', users: [{ user: 'bob', status: 'online', lastSeen: 1000 }] });
    s.send({ type: 'presence', users: [{ user: 'carol', status: 'offline', lastSeen: 900 }] });
    await until(() => presence.length === 2);
    // While the client was away, bob left and carol came back: nobody replays that.
    s.terminate();
    const g = gateways[0]!;
    const again = await g.nextWelcomed();
    const query = await again.next('presence.query');
    expect(query.users).toEqual(['bob', 'carol']);
    again.send({
      type: 'presence',
      id: query.id,
      users: [
        { user: 'bob', status: 'offline', lastSeen: 2000 },
        { user: 'carol', status: 'online', lastSeen: 2100 },
      ],
    });
    await until(() => presence.length === 3);
    expect(presence[2]!.users.map((u) => `${u.user} ${u.status}`)).toEqual(['bob offline', 'carol online']);
    expect(c.presenceOf('bob')?.status).toBe('offline');
    expect(c.presenceOf('carol')?.status).toBe('online');
  });

  it('a client that heard of nobody asks nothing after its sync', async () => {
    const { session: s } = await connected();
    await expect(s.next('presence.query', 200)).rejects.toThrow(/no presence.query/);
  });

  it('a user who writes in a direct room and is not announced is asked for after the wait, once', async () => {
    const dm = room('d', { kind: 'direct', members: ['alice', 'bob'] });
    const { client: c, session: s, presence } = await connected([dm, room('g')]);
    const wrote = Date.now();
    s.send({ type: 'msg', message: msg('g', 1, 'carol') });
    s.send({ type: 'msg', message: msg('d', 1, 'bob') });
    const query = await s.next('presence.query');
    // The client gave the server its 100 ms to announce bob first (it announces first messages only).
    expect(Date.now() - wrote).toBeGreaterThanOrEqual(90);
    // Writing in a direct room is what shows bob's presence to alice; a group's members are told anyway.
    expect(query.users).toEqual(['bob']);
    s.send({ type: 'presence', id: query.id, users: [{ user: 'bob', status: 'online', lastSeen: 1000 }] });
    await until(() => presence.length === 1);
    expect(c.presenceOf('bob')?.status).toBe('online');
    s.send({ type: 'msg', message: msg('d', 2, 'bob') });
    await expect(s.next('presence.query', 300)).rejects.toThrow(/no presence.query/);
  });

  it('a correspondent the server announces within the wait is not asked for', async () => {
    const dm = room('d', { kind: 'direct', members: ['alice', 'bob'] });
    const dm2 = room('e', { kind: 'direct', members: ['alice', 'dave'] });
    const { client: c, session: s } = await connected([dm, dm2], 200);
    s.send({ type: 'msg', message: msg('d', 1, 'bob') });
    s.send({ type: 'msg', message: msg('e', 1, 'dave') });
    // The server's reveal of bob's first message (an unsolicited presence frame); dave's never comes.
    s.send({ type: 'presence', users: [{ user: 'bob', status: 'online', lastSeen: 1000 }] });
    const query = await s.next('presence.query');
    expect(query.users).toEqual(['dave']);
    expect(c.presenceOf('bob')?.status).toBe('online');
  });
});
