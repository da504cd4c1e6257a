import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import { SERVICES } from '../../support/isolated-cluster.js';
import { HostileSuite, answerOf, type Answer } from './support/hostile-suite.js';
import { RawWebSocket } from './support/raw-socket.js';

/**
 * Ids as injection vectors: every id reaches a NATS subject, a Redis key or SQL, so one with
 * `.`, `*`, `>`, spaces, braces, quotes or 65 characters must be refused before it does. Free
 * text with SQL in it is stored and returned verbatim (parameters, never concatenation).
 * Afterwards nothing leaked: the namespace's NATS subjects and Redis keys all have their
 * designed shapes, no key or subject carries the marker the hostile ids were built around, and
 * Postgres holds no id outside the pattern and still has every table.
 */
// Random per run and long enough that no id the cluster generates (16 random base64url
// characters) carries it by chance: the leak scan covers every key on the shared Redis.
const MARKER = `zq9${randomBytes(5).toString('hex')}`;
const suite = new HostileSuite('ids and injection');
let mallory: RawWebSocket;
let room = '';
let nats: NatsConnection;
const subjects = new Set<string>();

beforeAll(async () => {
  await suite.start();
  // Every subject of this cluster's namespace while the hostile ids fly.
  nats = await connect({ servers: SERVICES.nats });
  nats.subscribe(`${suite.cluster.namespace}.>`, { callback: (_error, message) => void subjects.add(message.subject) });
  await nats.flush();
  mallory = await suite.attacker('mallory', 'm1');
  const reply = await mallory.request({ type: 'room.create', kind: 'direct', members: ['victor'] });
  room = (reply.room as { id: string }).id;
}, 60_000);

afterAll(async () => {
  await nats?.close();
  await suite.stop();
}, 60_000);

const badIds = [
  `${MARKER}.evil`,
  `${MARKER}*`,
  `${MARKER}>`,
  `${MARKER} space`,
  `${MARKER}${'x'.repeat(62)}`,
  `{${MARKER}}`,
  `${MARKER}:route:{alice}`,
  `${MARKER}' OR '1'='1`,
  `${MARKER}/../..`,
  `${MARKER}\n`,
  '',
];
const describeId = (id: string) =>
  id === '' ? 'empty' : JSON.stringify(id.length > 24 ? `${id.slice(0, 12)}...(${id.length})` : id);

/** [case name, frame builder, expected]: ids outside ^[A-Za-z0-9_-]{1,64}$ in every place a client names one. */
function idCases(): Array<[string, (id: string) => Record<string, unknown>, string[]]> {
  return [
    ['send room', (id) => ({ type: 'send', room: id, clientMsgId: 'c1', body: 'x' }), badIds],
    [
      'send clientMsgId',
      (id) => ({ type: 'send', room, clientMsgId: id, body: 'x' }),
      [`${MARKER}.c`, `${MARKER}*`, `${MARKER}>`, `${MARKER}${'c'.repeat(62)}`],
    ],
    ['history room', (id) => ({ type: 'history', room: id }), [`d_${MARKER}*`, `${MARKER}.>`]],
    ['typing room', (id) => ({ type: 'typing', room: id, state: 'start' }), [`g_${MARKER}>`]],
    ['read room', (id) => ({ type: 'read', room: id, seq: 1 }), [`${MARKER} x`]],
    [
      'room.create member',
      (id) => ({ type: 'room.create', kind: 'group', members: [id] }),
      [`bob.${MARKER}`, `>`, `${MARKER}' --`],
    ],
    ['room.create direct member', (id) => ({ type: 'room.create', kind: 'direct', members: [id] }), [`${MARKER}*`]],
    ['room.members.add user', (id) => ({ type: 'room.members.add', room, users: [id] }), [`${MARKER}*`]],
    ['presence.query user', (id) => ({ type: 'presence.query', users: [id] }), [`${MARKER}*`, `alice.${MARKER}`]],
    ['sync since key', (id) => ({ type: 'sync', since: { [id]: 1 } }), [`${MARKER}>`, `${MARKER}.x`]],
  ];
}

/**
 * Answers one case on a connection of its own: every case here is a bad frame, and a connection
 * that sends more than 10 of them in a row is closed (4400), which is not what these cases test.
 */
async function answerOnFreshConnection(text: string, opts: { id?: string }): Promise<Answer> {
  const ws = await suite.attacker('mallory', 'm1');
  try {
    return await answerOf(ws, text, opts);
  } finally {
    ws.close();
  }
}

describe('hostile - ids in frames', () => {
  const cases = idCases().flatMap(([where, build, ids]) =>
    ids.map((id) => ({ name: `${where} ${describeId(id)}`, build, id })),
  );
  it.each(cases)('$name', async ({ name, build, id }) => {
    const requestId = `i${Math.random().toString(36).slice(2, 8)}`;
    const text = JSON.stringify({ ...build(id), id: requestId });
    suite.record(
      name,
      text.length > 80 ? `${text.slice(0, 77)}...` : text,
      { error: 'bad_frame', idEchoed: true, open: true },
      await answerOnFreshConnection(text, { id: requestId }),
    );
    await suite.bystandersExchange(name);
  });
});

describe('hostile - very long strings', () => {
  // Just inside maxFrameBytes (16384), so the schema, not the frame limit, must refuse them.
  const long = `${MARKER}${'L'.repeat(15_000)}`;
  it.each([
    ['send room of 15,000 characters', () => ({ type: 'send', room: long, clientMsgId: 'long-1', body: 'x' })],
    ['send clientMsgId of 15,000 characters', () => ({ type: 'send', room, clientMsgId: long, body: 'x' })],
    ['sync since key of 15,000 characters', () => ({ type: 'sync', since: { [long]: 1 } })],
    ['presence.query user of 15,000 characters', () => ({ type: 'presence.query', users: [long] })],
    [
      'room.create member of 15,000 characters',
      () => ({ type: 'room.create', kind: 'group', name: 'n', members: [long] }),
    ],
    [
      'group name of 201 characters (limit 200)',
      () => ({
        type: 'room.create',
        kind: 'group',
        name: `${MARKER}${'n'.repeat(201 - MARKER.length)}`,
        members: ['victor'],
      }),
    ],
    [
      'push token of 4097 characters (limit 4096)',
      () => ({ type: 'push.register', platform: 'fcm', token: `${MARKER}${'t'.repeat(4097 - MARKER.length)}` }),
    ],
  ] as const)('%s', async (name, build) => {
    const requestId = `v${Math.random().toString(36).slice(2, 8)}`;
    const text = JSON.stringify({ ...build(), id: requestId });
    suite.record(
      name,
      `${text.length} bytes`,
      { error: 'bad_frame', idEchoed: true, open: true },
      await answerOnFreshConnection(text, { id: requestId }),
    );
    await suite.bystandersExchange(name);
  });

  it('a request id of 15,000 characters is bad_frame, not echoed', async () => {
    const text = JSON.stringify({ type: 'ping', id: `${MARKER}${'i'.repeat(15_000)}` });
    const ws = await suite.attacker('mallory', 'm1');
    const answer = await answerOf(ws, text);
    ws.close();
    const error = ws.frames.find((f) => f.type === 'error');
    suite.record('request id of 15,000 characters', `${text.length} bytes`, { error: 'bad_frame', open: true }, answer);
    expect(error?.id, 'an unusable id is not echoed').toBeUndefined();
    expect(JSON.stringify(error).length, 'the error does not repeat the input').toBeLessThan(500);
    await suite.bystandersExchange('long request id');
  });
});

describe('hostile - ids in tokens', () => {
  const claims: Array<[string, string, string]> = [
    ['sub', `${MARKER}.alice`, 'd'],
    ['sub', `${MARKER}*`, 'd'],
    ['sub', `${MARKER}>`, 'd'],
    ['sub', `${MARKER} x`, 'd'],
    ['sub', `${MARKER}${'u'.repeat(62)}`, 'd'],
    ['sub', `{${MARKER}}`, 'd'],
    ['sub', `${MARKER}'; DROP TABLE users; --`, 'd'],
    ['device', 'mallory', `${MARKER}.*`],
    ['device', 'mallory', `${MARKER}:laptop`],
  ];
  it.each(
    claims.map(([claim, user, device]) => ({
      name: `token ${claim} ${describeId(claim === 'sub' ? user : device)}`,
      user,
      device,
    })),
  )('$name', async ({ name, user, device }) => {
    const ws = await RawWebSocket.open(suite.url);
    ws.sendJson({ type: 'hello', token: await suite.token(user, device) });
    const frame = await ws.next((f) => f.type === 'welcome' || f.type === 'error').catch(() => undefined);
    const closed = await ws.closedWithin(3000);
    ws.close();
    const answer: Answer = {
      ...(frame?.type === 'error' ? { error: frame.code as Answer['error'] } : frame ? { reply: frame.type } : {}),
      ...(closed ? { close: closed.code } : { open: true }),
    };
    suite.record(name, 'hello with a signed token', { error: 'unauthorized', close: 4401 }, answer);
    await suite.bystandersExchange(name);
  });
});

describe('hostile - SQL and prototype keys in what is allowed', () => {
  it('a body full of SQL is stored and read back verbatim', async () => {
    const body = `'); DROP TABLE messages; -- ${MARKER} " \\ %s $1 ; SELECT pg_sleep(10);`;
    const ack = await mallory.request({ type: 'send', room, clientMsgId: 'sql-body', body });
    const history = await mallory.request({ type: 'history', room, limit: 100 });
    const stored = (history.messages as Array<{ clientMsgId: string; body: string }>).find(
      (m) => m.clientMsgId === 'sql-body',
    );
    suite.record(
      'SQL in a message body',
      body.slice(0, 40),
      { reply: 'ack' },
      {
        reply:
          ack.type === 'ack' && stored?.body === body
            ? 'ack'
            : `${String(ack.type)} (read back ${JSON.stringify(stored?.body)})`,
      },
    );
    await suite.bystandersExchange('sql body');
  });

  it('a group name full of SQL is kept as the name', async () => {
    const name = `Robert'); DROP TABLE rooms;-- ${MARKER}`;
    const reply = await mallory.request({ type: 'room.create', kind: 'group', name, members: ['victor'] });
    const room_ = reply.room as { name: string } | undefined;
    suite.record(
      'SQL in a group name',
      name,
      { reply: 'room' },
      {
        reply:
          room_?.name === name ? String(reply.type) : `${String(reply.type)} (name ${JSON.stringify(room_?.name)})`,
      },
    );
    await suite.bystandersExchange('sql name');
  });

  it('a push token full of SQL is refused for its shape and changes nothing', async () => {
    const token = `' OR '1'='1'; DELETE FROM push_registrations; -- ${MARKER}`;
    const before = await suite.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM push_registrations');
    const reply = await mallory.request({ type: 'push.register', platform: 'fcm', token });
    const after = await suite.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM push_registrations');
    const answer = reply.type === 'error' ? String(reply.code) : String(reply.type);
    suite.record(
      'SQL in a push token',
      token.slice(0, 40),
      { reply: 'bad_frame; registrations unchanged' },
      {
        reply: `${answer}; ${after[0]!.n === before[0]!.n ? 'registrations unchanged' : `${before[0]!.n} -> ${after[0]!.n} registrations`}`,
      },
    );
    await suite.bystandersExchange('sql token');
  });

  it.each(['__proto__', 'constructor', 'hasOwnProperty'])('user %s is an ordinary user', async (user) => {
    const ws = await suite.attacker(user, 'proto');
    const created = await ws.request({ type: 'room.create', kind: 'direct', members: ['victor'] });
    const roomId = (created.room as { id: string }).id;
    const ack = await ws.request({ type: 'send', room: roomId, clientMsgId: 'p1', body: 'hi' });
    // Written by hand: in an object literal, __proto__ would set the prototype instead of a key.
    const from = ws.frames.length;
    ws.sendText(`{"type":"sync","id":"y1","since":{"__proto__":5,"constructor":1,"hasOwnProperty":2,"${roomId}":0}}`);
    const sync = await ws.next((f) => f.id === 'y1' && (f.type === 'sync.done' || f.type === 'error'), 5000, from);
    const synced = ws.frames
      .slice(from)
      .filter((f) => f.type === 'sync.batch')
      .flatMap((f) => f.messages as Array<{ room: string; seq: number }>);
    expect(synced.map((m) => `${m.room}#${m.seq}`)).toEqual([`${roomId}#1`]);
    const presence = await ws.request({ type: 'presence.query', users: ['victor', '__proto__', 'constructor'] });
    ws.close();
    const ok = ack.type === 'ack' && ack.seq === 1 && sync.type === 'sync.done' && presence.type === 'presence';
    suite.record(
      `user id ${user} (create, send, sync with prototype keys, presence)`,
      'four requests',
      { reply: 'ack, sync.done, presence' },
      { reply: ok ? 'ack, sync.done, presence' : JSON.stringify([ack, sync, presence]).slice(0, 200) },
    );
    await suite.bystandersExchange(`user ${user}`);
  });
});

describe('hostile - nothing leaked', () => {
  it('NATS saw only the designed subjects of the namespace', async () => {
    await nats.flush();
    const ns = suite.cluster.namespace;
    const designed = new RegExp(
      `^${ns}\\.(send\\.\\d+|node\\.[A-Za-z0-9_-]{1,64}|nodes\\.all|presence\\.events|push\\.(apns|fcm))$`,
    );
    const odd = [...subjects].filter((subject) => !designed.test(subject) || subject.includes(MARKER));
    expect(subjects.size).toBeGreaterThan(0);
    expect(odd).toEqual([]);
  });

  it('Redis holds only keys of the designed shapes, none with the marker', async () => {
    const redis = new Redis(SERVICES.redis);
    try {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${suite.cluster.namespace}:*`, 'COUNT', 1000);
        keys.push(...batch);
        cursor = next;
      } while (cursor !== '0');
      const tagged = /^[a-z0-9]+:[a-z-]+(:[a-z-]+)?:\{[A-Za-z0-9_-]{1,64}\}$/;
      const plain = /^[a-z0-9]+:(nodes|node-devices|presence:due|presence:counts)$/;
      // The node registry: its index, and one record per node (node ids are the cluster's own).
      const registry = /^[a-z0-9]+:registry:\{nodes\}(:[A-Za-z0-9_-]{1,64})?$/;
      const odd = keys.filter(
        (key) => !(tagged.test(key) || plain.test(key) || registry.test(key)) || key.includes(MARKER),
      );
      expect(keys.length).toBeGreaterThan(0);
      expect(odd).toEqual([]);
      let globalCursor = '0';
      const marked: string[] = [];
      do {
        const [next, batch] = await redis.scan(globalCursor, 'MATCH', `*${MARKER}*`, 'COUNT', 1000);
        marked.push(...batch);
        globalCursor = next;
      } while (globalCursor !== '0');
      expect(marked, 'no key anywhere carries the marker').toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('Postgres holds no id outside the pattern and still has every table', async () => {
    const pattern = '^[A-Za-z0-9_-]{1,64}$';
    const odd = await suite.cluster.query(
      `SELECT 'users' AS t, id FROM users WHERE id !~ $1
       UNION ALL SELECT 'devices', id FROM devices WHERE id !~ $1 OR user_id !~ $1
       UNION ALL SELECT 'rooms', id FROM rooms WHERE id !~ $1
       UNION ALL SELECT 'members', user_id FROM members WHERE user_id !~ $1
       UNION ALL SELECT 'messages', client_msg_id FROM messages WHERE client_msg_id !~ $1 OR sender_id !~ $1`,
      [pattern],
    );
    expect(odd).toEqual([]);
    const tables = await suite.cluster.query<{ t: string | null }>(
      "SELECT to_regclass(t)::text AS t FROM unnest(ARRAY['users','devices','rooms','members','messages','client_msg_ids','push_registrations']) AS t",
    );
    expect(tables.map((row) => row.t)).toEqual([
      'users',
      'devices',
      'rooms',
      'members',
      'messages',
      'client_msg_ids',
      'push_registrations',
    ]);
  });
});
