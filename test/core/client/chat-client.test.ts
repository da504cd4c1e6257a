import { afterEach, describe, expect, it } from 'vitest';
import { ChatClient, ChatError, MemoryCursorStore, type ChatClientOptions } from '../../../src/core/client/index.js';
import { ID_PATTERN, type Message, type Room } from '../../../src/core/protocol/index.js';
import { FakeGateway, type FakeGatewayOptions } from './fake-gateway.js';

const gateways: FakeGateway[] = [];
const clients: ChatClient[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(gateways.splice(0).map((g) => g.stop()));
});

async function gateway(options: FakeGatewayOptions = {}): Promise<FakeGateway> {
  const g = await FakeGateway.start(options);
  gateways.push(g);
  return g;
}

interface Observed {
  client: ChatClient;
  messages: Message[];
  errors: ChatError[];
  states: string[];
}

function client(options: Partial<ChatClientOptions> & Pick<ChatClientOptions, 'urls'>): Observed {
  const c = new ChatClient({
    token: 'alice:d1',
    backoff: { initialMs: 20, maxMs: 100 },
    gapFillDelayMs: 0,
    random: () => 0.5,
    ...options,
  });
  clients.push(c);
  const observed: Observed = { client: c, messages: [], errors: [], states: [] };
  c.on('message', (m) => observed.messages.push(m));
  c.on('error', (e) => observed.errors.push(e));
  c.on('state', (s) => observed.states.push(s.state));
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

function msg(room: string, seq: number, sender = 'bob'): Message {
  return {
    room,
    seq,
    msgId: `${room}-${seq}`,
    sender,
    senderDevice: 'db',
    clientMsgId: `b${seq}`,
    body: `#${seq}`,
    ts: 1000 + seq,
  };
}

function room(id: string, fields: Partial<Room> = {}): Room {
  return {
    id,
    kind: 'group',
    name: id,
    members: ['alice', 'bob'],
    owner: 'bob',
    lastSeq: 0,
    readSeq: 0,
    unread: 0,
    ...fields,
  };
}

const seqs = (ms: Message[]) => ms.map((m) => m.seq);

describe('chat client: connection', () => {
  it('connects with subprotocol chat.v1, says hello first, and is live only after sync.done', async () => {
    const g = await gateway({ autoSync: false });
    const { client: c, states } = client({ urls: [g.url] });
    const connected = c.connect();
    const s = await g.nextWelcomed();
    expect(s.offered).toEqual(['chat.v1']);
    expect(s.received[0]).toEqual({ type: 'hello', token: 'alice:d1' });
    const sync = await s.next('sync');
    expect(sync.since).toEqual({});
    expect(c.state).toBe('syncing');
    s.send({ type: 'sync.done', id: sync.id, rooms: [room('r1')] });
    const info = await connected;
    expect(info).toMatchObject({ user: 'alice', device: 'd1', heartbeatMs: 5000 });
    expect(c.user).toBe('alice');
    expect(c.device).toBe('d1');
    expect(c.limits.maxBodyChars).toBe(4000);
    expect(states).toEqual(['connecting', 'syncing', 'live']);
    expect(c.rooms().map((r) => r.id)).toEqual(['r1']);
  });

  it('sync sends the cursors as since; batches and live frames are delivered once each, in order', async () => {
    const g = await gateway({ autoSync: false });
    const cursors = new MemoryCursorStore({ r: 2 });
    const { client: c, messages } = client({ urls: [g.url], cursors });
    const synced: Room[][] = [];
    c.on('synced', (rooms) => synced.push(rooms));
    const connected = c.connect();
    const s = await g.nextWelcomed();
    const sync = await s.next('sync');
    expect(sync.since).toEqual({ r: 2 });
    s.send({ type: 'msg', message: msg('r', 5) }); // live, while the sync runs
    s.send({ type: 'sync.batch', id: sync.id, messages: [msg('r', 3), msg('r', 4)] });
    s.send({ type: 'msg', message: msg('r', 6) });
    s.send({ type: 'sync.batch', id: sync.id, messages: [msg('r', 5)] });
    s.send({ type: 'sync.done', id: sync.id, rooms: [room('r', { lastSeq: 5 })] });
    await connected;
    s.send({ type: 'msg', message: msg('r', 6) });
    s.send({ type: 'msg', message: msg('r', 7) });
    await until(() => messages.length >= 5);
    await sleep(20);
    expect(seqs(messages)).toEqual([3, 4, 5, 6, 7]);
    expect(cursors.get('r')).toBe(7);
    expect(c.cursor('r')).toBe(7);
    expect(synced).toHaveLength(1);
  });

  it('a truncated sync moves the cursor past the skipped messages without paging back', async () => {
    const g = await gateway({ autoSync: false });
    const cursors = new MemoryCursorStore({ r: 1 });
    const { client: c, messages } = client({ urls: [g.url], cursors });
    const connected = c.connect();
    const s = await g.nextWelcomed();
    const sync = await s.next('sync');
    s.send({ type: 'sync.batch', id: sync.id, messages: [msg('r', 1001), msg('r', 1002), msg('r', 1003)] });
    s.send({ type: 'sync.done', id: sync.id, rooms: [room('r', { lastSeq: 1003, truncated: true })] });
    await connected;
    await sleep(30);
    expect(seqs(messages)).toEqual([1001, 1002, 1003]);
    expect(cursors.get('r')).toBe(1003);
    expect(s.types()).not.toContain('history');
  });

  it('a gap in live messages is filled with history below the lowest held seq', async () => {
    const g = await gateway({ rooms: [room('r', { lastSeq: 2 })] });
    const { client: c, messages } = client({ urls: [g.url], cursors: new MemoryCursorStore({ r: 2 }) });
    await c.connect();
    const s = await g.nextWelcomed();
    s.send({ type: 'msg', message: msg('r', 5) });
    const history = await s.next('history');
    expect(history).toMatchObject({ room: 'r', before: 5, limit: 2 });
    expect(messages).toEqual([]);
    s.send({ type: 'history', id: history.id, room: 'r', messages: [msg('r', 3), msg('r', 4)], hasMore: true });
    await until(() => messages.length === 3);
    expect(seqs(messages)).toEqual([3, 4, 5]);
  });

  it('a history request that fails is tried again after a backoff, and the held messages are shown', async () => {
    const g = await gateway({ rooms: [room('r', { lastSeq: 2 })] });
    const { client: c, messages, errors } = client({ urls: [g.url], cursors: new MemoryCursorStore({ r: 2 }) });
    await c.connect();
    const s = await g.nextWelcomed();
    s.send({ type: 'msg', message: msg('r', 4) });
    const first = await s.next('history');
    const failedAt = Date.now();
    s.send({
      type: 'error',
      id: first.id,
      code: 'unavailable',
      message: 'a backing service is unreachable; try again',
    });
    // No other message comes to the room: the client asks again by itself.
    const second = await s.next('history', 3000);
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(400);
    expect(second).toMatchObject({ room: 'r', before: 4, limit: 1 });
    s.send({ type: 'history', id: second.id, room: 'r', messages: [msg('r', 3)], hasMore: true });
    await until(() => messages.length === 2);
    expect(seqs(messages)).toEqual([3, 4]);
    expect(errors.map((e) => e.code)).toEqual(['unavailable']);
  });

  it('a live message for a room never synced is gap-filled from seq 1, page by page', async () => {
    const g = await gateway();
    const { client: c, messages } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    s.send({ type: 'msg', message: msg('new', 157) });
    const first = await s.next('history');
    expect(first).toMatchObject({ room: 'new', before: 157, limit: 100 });
    s.send({
      type: 'history',
      id: first.id,
      room: 'new',
      messages: Array.from({ length: 100 }, (_, i) => msg('new', 57 + i)),
      hasMore: true,
    });
    const second = await s.next('history');
    expect(second).toMatchObject({ room: 'new', before: 57, limit: 56 });
    s.send({
      type: 'history',
      id: second.id,
      room: 'new',
      messages: Array.from({ length: 56 }, (_, i) => msg('new', 1 + i)),
      hasMore: false,
    });
    await until(() => messages.length === 157);
    expect(seqs(messages)).toEqual(Array.from({ length: 157 }, (_, i) => i + 1));
  });

  it('goaway then close 1012 reconnects after about reconnectInMs, to the next URL, and syncs', async () => {
    const g1 = await gateway();
    const g2 = await gateway();
    const { client: c } = client({ urls: [g1.url, g2.url] });
    const delays: number[] = [];
    c.on('state', (s) => s.reconnectInMs !== undefined && delays.push(s.reconnectInMs));
    await c.connect();
    const s1 = await g1.nextWelcomed();
    const started = Date.now();
    s1.send({ type: 'goaway', reconnectInMs: 200 });
    s1.close(1012, 'restart');
    const s2 = await g2.nextWelcomed();
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(delays).toEqual([200]); // random 0.5 -> exactly reconnectInMs
    await until(() => c.state === 'live');
    expect(s2.types()).toEqual(['hello', 'sync']);
    expect(g1.sessions).toHaveLength(1);
  });

  it('an abnormal close reconnects with jittered backoff and syncs from the cursors', async () => {
    const g = await gateway({ autoSync: false });
    const { client: c, states } = client({ urls: [g.url], backoff: { initialMs: 40, maxMs: 1000 } });
    const delays: number[] = [];
    c.on('state', (s) => s.reconnectInMs !== undefined && delays.push(s.reconnectInMs));
    const connected = c.connect();
    const s1 = await g.nextWelcomed();
    const sync1 = await s1.next('sync');
    s1.send({ type: 'sync.batch', id: sync1.id, messages: [msg('r', 1), msg('r', 2)] });
    s1.send({ type: 'sync.done', id: sync1.id, rooms: [room('r', { lastSeq: 2 })] });
    await connected;
    s1.terminate();
    const s2 = await g.nextWelcomed();
    const sync2 = await s2.next('sync');
    expect(sync2.since).toEqual({ r: 2 });
    expect(delays[0]).toBe(20); // full jitter: 0.5 of the 40 ms ceiling
    s2.send({ type: 'sync.done', id: sync2.id, rooms: [room('r', { lastSeq: 2 })] });
    await until(() => c.state === 'live');
    expect(states).toEqual(['connecting', 'syncing', 'live', 'reconnecting', 'syncing', 'live']);
  });

  it('consecutive failures back off further and further, up to maxMs', async () => {
    const g = await gateway();
    const url = g.url;
    await g.stop();
    gateways.splice(gateways.indexOf(g), 1);
    const { client: c } = client({ urls: [url], backoff: { initialMs: 10, maxMs: 40 }, random: () => 0.99 });
    const delays: number[] = [];
    c.on('state', (s) => s.reconnectInMs !== undefined && delays.push(s.reconnectInMs));
    void c.connect().catch(() => undefined);
    await until(() => delays.length >= 5);
    expect(delays.slice(0, 5)).toEqual([9, 19, 39, 39, 39]);
  });

  it('unauthorized with a fixed token closes the client and does not reconnect', async () => {
    const g = await gateway();
    const { client: c, errors } = client({ urls: [g.url], token: 'bad' });
    await expect(c.connect()).rejects.toMatchObject({ code: 'unauthorized' });
    expect(c.state).toBe('closed');
    expect(errors.map((e) => e.code)).toContain('unauthorized');
    await sleep(150);
    expect(g.sessions).toHaveLength(1);
  });

  it('unauthorized with a token function retries with backoff and a fresh token', async () => {
    const g = await gateway();
    let calls = 0;
    const { client: c, states } = client({ urls: [g.url], token: () => (++calls === 1 ? 'bad' : 'alice:d2') });
    const info = await c.connect();
    expect(info.device).toBe('d2');
    expect(calls).toBe(2);
    expect(g.sessions).toHaveLength(2);
    expect(states).toContain('reconnecting');
  });

  it('with autoReconnect off, the first lost connection closes the client', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url], autoReconnect: false });
    await c.connect();
    const pending = c.send('r', 'never acked');
    (await g.nextWelcomed()).terminate();
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    expect(c.state).toBe('closed');
    await sleep(100);
    expect(g.sessions).toHaveLength(1);
  });

  it('a connection silent for 2.5 heartbeats is dropped and replaced', async () => {
    const g = await gateway({ heartbeatMs: 40 });
    const { client: c, errors } = client({ urls: [g.url] });
    await c.connect();
    const started = Date.now();
    const s1 = await g.nextWelcomed();
    await g.nextWelcomed();
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
    expect(await s1.closed).toBe(1006);
    expect(errors.map((e) => e.code)).toContain('timeout');
  });

  it('pings from the server keep a quiet connection alive', async () => {
    const g = await gateway({ heartbeatMs: 40 });
    const { client: c, errors } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const pinger = setInterval(() => s.socket.ping(), 30);
    await sleep(300);
    clearInterval(pinger);
    expect(g.sessions).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('a sync answered with an error starts over on a new connection', async () => {
    const g = await gateway({ autoSync: false });
    const { client: c, errors } = client({ urls: [g.url] });
    const connected = c.connect();
    const s1 = await g.nextWelcomed();
    const sync1 = await s1.next('sync');
    s1.send({ type: 'error', id: sync1.id, code: 'unavailable', message: 'database down' });
    const s2 = await g.nextWelcomed();
    const sync2 = await s2.next('sync');
    s2.send({ type: 'sync.done', id: sync2.id, rooms: [] });
    await connected;
    expect(errors.map((e) => e.code)).toContain('unavailable');
  });
});

describe('chat client: sends', () => {
  it('sends are written at once and in order, without waiting for acks', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const sends = [c.send('r', 'a'), c.send('r', 'b'), c.send('r', 'c')];
    const frames = [await s.next('send'), await s.next('send'), await s.next('send')];
    expect(frames.map((f) => f.body)).toEqual(['a', 'b', 'c']);
    expect(new Set(frames.map((f) => f.clientMsgId)).size).toBe(3);
    for (const f of frames) expect(f.clientMsgId).toMatch(ID_PATTERN);
    for (const [i, f] of [...frames.entries()].reverse()) {
      s.send({ type: 'ack', id: f.id, room: 'r', clientMsgId: f.clientMsgId, msgId: `m${i}`, seq: i + 1, ts: 5 });
    }
    const acks = await Promise.all(sends);
    expect(acks.map((a) => a.seq)).toEqual([1, 2, 3]);
    expect(c.pendingSends).toBe(0);
  });

  it('a resend after reconnect reuses the clientMsgId, in the original order, before the sync', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s1 = await g.nextWelcomed();
    const first = c.send('r', 'one');
    const second = c.send('r', 'two', { clientMsgId: 'fixed-2' });
    const third = c.send('r', 'three', { clientMsgId: 'fixed-3' });
    const f1 = await s1.next('send');
    await s1.next('send');
    await s1.next('send');
    s1.send({ type: 'ack', id: f1.id, room: 'r', clientMsgId: f1.clientMsgId, msgId: 'm1', seq: 1, ts: 1 });
    await expect(first).resolves.toMatchObject({ seq: 1 });
    s1.terminate();
    const s2 = await g.nextWelcomed();
    const r2 = await s2.next('send');
    const r3 = await s2.next('send');
    expect([r2.clientMsgId, r2.body, r3.clientMsgId, r3.body]).toEqual(['fixed-2', 'two', 'fixed-3', 'three']);
    await until(() => s2.types().includes('sync'));
    expect(s2.types().slice(0, 4)).toEqual(['hello', 'send', 'send', 'sync']);
    s2.send({ type: 'ack', id: r2.id, room: 'r', clientMsgId: 'fixed-2', msgId: 'm2', seq: 2, ts: 2 });
    s2.send({ type: 'ack', id: r3.id, room: 'r', clientMsgId: 'fixed-3', msgId: 'm3', seq: 3, ts: 3 });
    await expect(second).resolves.toMatchObject({ seq: 2, clientMsgId: 'fixed-2' });
    await expect(third).resolves.toMatchObject({ seq: 3 });
  });

  it('the ack of a resend settles the send by clientMsgId, whatever request id it carries', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s1 = await g.nextWelcomed();
    const pending = c.send('r', 'hello', { clientMsgId: 'same-id' });
    const original = await s1.next('send');
    s1.terminate();
    const s2 = await g.nextWelcomed();
    await s2.next('send');
    // The server answers with the id the old connection used (or none): still this send.
    s2.send({ type: 'ack', id: original.id, room: 'r', clientMsgId: 'same-id', msgId: 'm9', seq: 9, ts: 9 });
    await expect(pending).resolves.toMatchObject({ msgId: 'm9', seq: 9 });
  });

  it('sends made before connecting wait in the outbox and go out after welcome', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    const early = c.send('r', 'early');
    expect(c.pendingSends).toBe(1);
    await c.connect();
    const s = await g.nextWelcomed();
    const f = await s.next('send');
    expect(f.body).toBe('early');
    s.send({ type: 'ack', room: 'r', clientMsgId: f.clientMsgId, msgId: 'm1', seq: 1, ts: 1 });
    await expect(early).resolves.toMatchObject({ seq: 1 });
  });

  it('rate_limited makes the send wait retryAfterMs and go again with the same clientMsgId, ahead of later sends', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const limited = c.send('r', 'x');
    const f = await s.next('send');
    const started = Date.now();
    s.send({ type: 'error', id: f.id, code: 'rate_limited', message: 'slow down', retryAfterMs: 150 });
    await sleep(20);
    const later = c.send('r', 'y');
    const again = await s.next('send');
    const next = await s.next('send');
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(again.clientMsgId).toBe(f.clientMsgId);
    expect(again.id).not.toBe(f.id);
    expect(next.body).toBe('y');
    s.send({ type: 'ack', id: again.id, room: 'r', clientMsgId: again.clientMsgId, msgId: 'm1', seq: 1, ts: 1 });
    s.send({ type: 'ack', id: next.id, room: 'r', clientMsgId: next.clientMsgId, msgId: 'm2', seq: 2, ts: 2 });
    await expect(limited).resolves.toMatchObject({ seq: 1 });
    await expect(later).resolves.toMatchObject({ seq: 2 });
  });

  it('a send rate limited too often fails with rate_limited', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url], maxSendRetries: 1 });
    await c.connect();
    const s = await g.nextWelcomed();
    const limited = c.send('r', 'x');
    for (let i = 0; i < 2; i++) {
      const f = await s.next('send');
      s.send({ type: 'error', id: f.id, code: 'rate_limited', message: 'slow down', retryAfterMs: 10 });
    }
    const error = await limited.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChatError);
    expect(error).toMatchObject({ code: 'rate_limited', retryAfterMs: 10 });
  });

  it('a send answered unavailable (first send still in flight) is tried again later with the same clientMsgId', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const sending = c.send('r', 'x');
    const f = await s.next('send');
    const started = Date.now();
    s.send({ type: 'error', id: f.id, code: 'unavailable', message: 'first send still in flight' });
    const again = await s.next('send');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950); // no retryAfterMs: 1 s
    expect(again.clientMsgId).toBe(f.clientMsgId);
    s.send({ type: 'ack', id: again.id, room: 'r', clientMsgId: again.clientMsgId, msgId: 'm1', seq: 1, ts: 1 });
    await expect(sending).resolves.toMatchObject({ seq: 1 });
  });

  it('an error frame rejects the send with its code and message, and it is not resent', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const refused = c.send('r', 'x');
    const f = await s.next('send');
    s.send({ type: 'error', id: f.id, code: 'forbidden', message: 'not a member' });
    await expect(refused).rejects.toMatchObject({ name: 'ChatError', code: 'forbidden', message: 'not a member' });
    expect(c.pendingSends).toBe(0);
  });

  it("the sender's own message enters its timeline from the ack, once", async () => {
    const g = await gateway();
    const { client: c, messages } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const sent = c.send('r', 'hi');
    const f = await s.next('send');
    s.send({ type: 'ack', id: f.id, room: 'r', clientMsgId: f.clientMsgId, msgId: 'm1', seq: 1, ts: 77 });
    await sent;
    s.send({
      type: 'msg',
      message: {
        room: 'r',
        seq: 1,
        msgId: 'm1',
        sender: 'alice',
        senderDevice: 'd1',
        clientMsgId: f.clientMsgId,
        body: 'hi',
        ts: 77,
      },
    });
    await sleep(30);
    expect(messages).toEqual([
      {
        room: 'r',
        seq: 1,
        msgId: 'm1',
        sender: 'alice',
        senderDevice: 'd1',
        clientMsgId: f.clientMsgId,
        body: 'hi',
        ts: 77,
      },
    ]);
  });

  it('the same pending clientMsgId returns the same promise; bad ids and oversize bodies are refused locally', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url], sendQueueLimit: 2 });
    const a = c.send('r', 'x', { clientMsgId: 'dup' });
    expect(c.send('r', 'x', { clientMsgId: 'dup' })).toBe(a);
    await expect(c.send('r', 'x', { clientMsgId: 'no spaces' })).rejects.toMatchObject({ code: 'bad_frame' });
    await expect(c.send('r.x', 'x')).rejects.toMatchObject({ code: 'bad_frame' });
    await expect(c.send('r', 'x'.repeat(4001))).rejects.toMatchObject({ code: 'too_large' });
    // Escaped control characters take 6 bytes each: within maxBodyChars, over maxFrameBytes.
    await expect(c.send('r', '\u0001'.repeat(3000))).rejects.toMatchObject({ code: 'too_large' });
    void c.send('r', 'y').catch(() => undefined);
    await expect(c.send('r', 'z')).rejects.toMatchObject({ code: 'queue_full' });
    void a.catch(() => undefined);
  });
});

describe('chat client: requests, rooms and events', () => {
  it('request() resolves with the reply that has its id and rejects with the error code', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    expect(await c.ping()).toBeGreaterThanOrEqual(0);
    const listing = c.listRooms();
    const history = c.history('r', { before: 10, limit: 5 });
    const list = await s.next('rooms.list');
    const h = await s.next('history');
    expect(h).toMatchObject({ room: 'r', before: 10, limit: 5 });
    s.send({ type: 'error', id: h.id, code: 'forbidden', message: 'not a member' });
    s.send({ type: 'rooms', id: list.id, rooms: [room('a'), room('b')] });
    await expect(history).rejects.toMatchObject({ code: 'forbidden' });
    expect((await listing).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('room helpers send the protocol frames and return the room', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const created = c.createGroup('team', ['bob', 'carol']);
    const f = await s.next('room.create');
    expect(f).toMatchObject({ kind: 'group', name: 'team', members: ['bob', 'carol'] });
    s.send({ type: 'room', id: f.id, room: room('g1', { members: ['alice', 'bob', 'carol'], owner: 'alice' }) });
    expect((await created).id).toBe('g1');
    const direct = c.createDirect('bob');
    const d = await s.next('room.create');
    expect(d).toMatchObject({ kind: 'direct', members: ['bob'] });
    s.send({ type: 'room', id: d.id, room: room('d1', { kind: 'direct' }) });
    await direct;
    const read = c.markRead('g1', 3);
    const r = await s.next('read');
    expect(r).toMatchObject({ room: 'g1', seq: 3 });
    s.send({ type: 'ok', id: r.id });
    await read;
    expect(
      c
        .rooms()
        .map((x) => x.id)
        .sort(),
    ).toEqual(['d1', 'g1']);
  });

  it('requests made while reconnecting are written after the next welcome', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url], backoff: { initialMs: 100, maxMs: 100 } });
    await c.connect();
    (await g.nextWelcomed()).terminate();
    await until(() => c.state === 'reconnecting');
    const listing = c.listRooms();
    const s2 = await g.nextWelcomed();
    const f = await s2.next('rooms.list');
    s2.send({ type: 'rooms', id: f.id, rooms: [room('a')] });
    expect((await listing).map((r) => r.id)).toEqual(['a']);
  });

  it('a request in flight when the connection drops rejects with disconnected', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const listing = c.listRooms();
    await s.next('rooms.list');
    s.terminate();
    await expect(listing).rejects.toMatchObject({ code: 'disconnected' });
  });

  it('a request without a reply times out', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url], requestTimeoutMs: 100 });
    await c.connect();
    await expect(c.listRooms()).rejects.toMatchObject({ code: 'timeout' });
  });

  it('rooms() follows room, msg and read frames', async () => {
    const g = await gateway({ rooms: [room('r')] });
    const { client: c, messages } = client({ urls: [g.url] });
    const roomEvents: Room[] = [];
    const reads: unknown[] = [];
    c.on('room', (r) => roomEvents.push(r));
    c.on('read', (r) => reads.push(r));
    await c.connect();
    const s = await g.nextWelcomed();
    s.send({ type: 'msg', message: msg('r', 1) });
    s.send({ type: 'msg', message: msg('r', 2) });
    await until(() => messages.length === 2);
    expect(c.rooms()[0]).toMatchObject({ lastSeq: 2, unread: 2 });
    s.send({ type: 'read', room: 'r', user: 'alice', seq: 2 });
    await until(() => reads.length === 1);
    expect(c.rooms()[0]).toMatchObject({ readSeq: 2, unread: 0 });
    s.send({ type: 'room', room: room('r2', { name: 'new' }) });
    await until(() => roomEvents.length === 1);
    expect(c.rooms().map((r) => r.id)).toEqual(['r', 'r2']);
    s.send({ type: 'room', room: room('r2', { members: ['bob'] }) }); // we were removed
    await until(() => roomEvents.length === 2);
    expect(c.rooms().map((r) => r.id)).toEqual(['r']);
  });

  it('typing and unsolicited presence frames become events; unsolicited errors never throw', async () => {
    const g = await gateway();
    const c = new ChatClient({ urls: [g.url], token: 'alice:d1', random: () => 0.5 });
    clients.push(c);
    const typing: unknown[] = [];
    const presence: unknown[] = [];
    c.on('typing', (t) => typing.push(t));
    c.on('presence', (p) => presence.push(p));
    await c.connect();
    const s = await g.nextWelcomed();
    expect(c.setTyping('r', 'start')).toBe(true);
    expect(await s.next('typing')).toEqual({ type: 'typing', room: 'r', state: 'start' });
    s.send({ type: 'error', code: 'internal', message: 'oops' }); // no 'error' listener: must not throw
    s.send({ type: 'typing', room: 'r', user: 'bob', state: 'start', ttlMs: 5000 });
    s.send({ type: 'presence', users: [{ user: 'bob', status: 'online', lastSeen: null }] });
    s.send({ not: 'a frame' });
    await until(() => presence.length === 1);
    expect(typing).toEqual([{ room: 'r', user: 'bob', state: 'start', ttlMs: 5000 }]);
    expect(presence).toEqual([{ users: [{ user: 'bob', status: 'online', lastSeen: null }] }]);
    expect(c.state).toBe('live');
  });

  it('a listener that throws is reported as an error and delivery goes on', async () => {
    const g = await gateway();
    const { client: c, messages, errors } = client({ urls: [g.url] });
    c.on('message', (m) => {
      if (m.seq === 1) throw new Error('app bug');
    });
    await c.connect();
    const s = await g.nextWelcomed();
    s.send({ type: 'msg', message: msg('r', 1) });
    s.send({ type: 'msg', message: msg('r', 2) });
    await until(() => messages.length === 2);
    expect(errors.map((e) => e.code)).toEqual(['listener']);
  });

  it('close() rejects pending sends and requests and stops reconnecting', async () => {
    const g = await gateway();
    const { client: c, states } = client({ urls: [g.url] });
    await c.connect();
    const s = await g.nextWelcomed();
    const sending = c.send('r', 'x').catch((e: unknown) => e);
    const listing = c.listRooms().catch((e: unknown) => e);
    await s.next('rooms.list');
    await c.close();
    expect(await sending).toMatchObject({ code: 'closed' });
    expect(await listing).toMatchObject({ code: 'closed' });
    expect(await s.closed).toBe(1000);
    expect(states.at(-1)).toBe('closed');
    await sleep(100);
    expect(g.sessions).toHaveLength(1);
    await expect(c.connect()).rejects.toMatchObject({ code: 'closed' });
    await expect(c.send('r', 'y')).rejects.toMatchObject({ code: 'closed' });
  });

  it('close() during reconnect cancels the pending attempt', async () => {
    const g = await gateway();
    const { client: c } = client({ urls: [g.url], backoff: { initialMs: 200, maxMs: 200 } });
    await c.connect();
    (await g.nextWelcomed()).terminate();
    await until(() => c.state === 'reconnecting');
    await c.close();
    await sleep(250);
    expect(g.sessions).toHaveLength(1);
  });
});
