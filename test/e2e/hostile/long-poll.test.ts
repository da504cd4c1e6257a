import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { waitFor } from '../../support/isolated-cluster.js';
import { HostileSuite, type Answer } from './support/hostile-suite.js';
import { httpExchange, type HttpAnswer } from './support/raw-socket.js';

/**
 * The long-poll transport's own doors: every request carries the token again, a session id
 * reaches a NATS subject when it names another gateway process, and bodies are read by the
 * gateway itself. Bad tokens are 401 on every endpoint, a session is its device's alone (403),
 * ids that are not ours are 404 without reaching NATS as wildcards, and bodies that are not valid
 * UTF-8 or run over the limit without declaring a length are 400 and 413. The bystanders keep
 * talking after each case. A closed session lingers (so a late poll learns the close) with no
 * more than its close, and no more of them per user than the user may hold connections.
 */
const MAX_CONNECTIONS = 4;
const suite = new HostileSuite('long-poll transport');
/** lena's session (user lena, device browser), the target of the cases that borrow it. */
let session = '';
let lenaToken = '';

beforeAll(async () => {
  await suite.start(['--max-connections-per-user', String(MAX_CONNECTIONS)]);
  lenaToken = await suite.token('lena', 'browser');
  const created = await httpExchange(suite.port, 'POST', '/v1/sessions', { token: lenaToken });
  expect(created.status).toBe(201);
  session = String(created.json.session);
}, 60_000);

afterAll(() => suite.stop(), 60_000);

const answerOf = (http: HttpAnswer): Answer => ({
  http: http.status,
  ...(typeof http.json.code === 'string' ? { error: http.json.code as Answer['error'] } : {}),
});

describe('hostile - long-poll tokens', () => {
  const tokens = (): Array<[string, () => Promise<string | undefined>]> => [
    ['no Authorization header', async () => undefined],
    [
      'alg none',
      async () => new UnsecuredJWT({ device: 'browser' }).setSubject('lena').setExpirationTime('1h').encode(),
    ],
    ['expired token', () => suite.token('lena', 'browser', -60)],
    [
      'token signed with another secret',
      () =>
        new SignJWT({ device: 'browser' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('lena')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('guessed')),
    ],
    ['bearer of 9000 characters', async () => 'a'.repeat(9000)],
  ];
  const endpoints = (): Array<[string, string, () => string]> => [
    ['POST', '/v1/sessions', () => '/v1/sessions'],
    ['GET', '/v1/poll', () => `/v1/poll?session=${session}&cursor=0&wait=0`],
    ['POST', '/v1/frames', () => `/v1/frames?session=${session}`],
  ];
  const cases = tokens().flatMap(([name, token]) =>
    endpoints().map(([method, label, path]) => ({ name: `${method} ${label} with ${name}`, method, path, token })),
  );

  it.each(cases)('$name', async ({ name, method, path, token }) => {
    const body =
      method === 'POST' && path().startsWith('/v1/frames') ? JSON.stringify([{ type: 'ping', id: 'p' }]) : undefined;
    const answer = await httpExchange(suite.port, method, path(), { token: await token(), ...(body ? { body } : {}) });
    suite.record(
      name,
      `${method} ${path().replace(session, '<session>')}`,
      { http: 401, error: 'unauthorized' },
      answerOf(answer),
    );
    expect(answer.headers['www-authenticate']).toBe('Bearer');
    await suite.bystandersExchange(name);
  });

  it('a secret-signed token still works afterwards (the cases above fail for their flaw only)', async () => {
    const answer = await httpExchange(suite.port, 'GET', `/v1/poll?session=${session}&cursor=0&wait=0`, {
      token: lenaToken,
    });
    expect(answer.status).toBe(200);
  });
});

describe("hostile - another device's session", () => {
  it.each([
    ['poll of lena’s session by mallory', 'GET', () => `/v1/poll?session=${session}&cursor=0&wait=0`, undefined],
    [
      'frames into lena’s session by mallory',
      'POST',
      () => `/v1/frames?session=${session}`,
      JSON.stringify([{ type: 'send', room: 'd_AAAAAAAAAAAAAAAA', clientMsgId: 'x', body: 'as lena' }]),
    ],
    ['DELETE of lena’s session by mallory', 'DELETE', () => `/v1/sessions?session=${session}`, undefined],
    [
      'poll of lena’s session by lena’s other device',
      'GET',
      () => `/v1/poll?session=${session}&cursor=0&wait=0`,
      undefined,
    ],
  ] as const)('%s', async (name, method, path, body) => {
    const token = name.includes('other device')
      ? await suite.token('lena', 'phone')
      : await suite.token('mallory', 'm1');
    const answer = await httpExchange(suite.port, method, path(), { token, ...(body ? { body } : {}) });
    suite.record(
      name,
      `${method} ${path().replace(session, '<session>')}`,
      { http: 403, error: 'forbidden' },
      answerOf(answer),
    );
    await suite.bystandersExchange(name);
  });

  it('the session survived every attempt and is still lena’s', async () => {
    const answer = await httpExchange(suite.port, 'GET', `/v1/poll?session=${session}&cursor=0&wait=0`, {
      token: lenaToken,
    });
    expect(answer.status).toBe(200);
    expect(answer.json.closed).toBeUndefined();
  });
});

describe('hostile - long-poll session ids and query values', () => {
  const random24 = 'A'.repeat(24);
  it.each([
    ['session id with a NATS wildcard node (lp.>.…)', `lp.>.${random24}`, 404],
    ['session id with a dotted node (lp.a.b.…)', `lp.a.b.${random24}`, 404],
    ['session id naming a gateway process that does not exist', `lp.no-such-node.${random24}`, 404],
    ['session id with a space and a quote', `lp.x y'.${random24}`, 404],
    ['session id of 10,000 characters', `lp.${'s'.repeat(10_000)}`, 404],
    ['session id with SQL', `' OR '1'='1`, 404],
  ] as const)('%s', async (name, id, status) => {
    const answer = await httpExchange(suite.port, 'GET', `/v1/poll?session=${encodeURIComponent(id)}&cursor=0&wait=0`, {
      token: await suite.token('mallory', 'm1'),
    });
    suite.record(
      name,
      `GET /v1/poll?session=${id.slice(0, 40)}`,
      { http: status, error: 'not_found' },
      answerOf(answer),
    );
    expect(String(answer.json.message).length, 'the refusal does not echo a long id whole').toBeLessThan(300);
    await suite.bystandersExchange(name);
  });

  it.each([
    ['cursor with SQL', `cursor=${encodeURIComponent('0; DROP TABLE messages')}`],
    ['negative cursor', 'cursor=-1'],
    ['cursor beyond 2^53', 'cursor=9999999999999999999'],
    ['wait as a word', 'cursor=0&wait=forever'],
  ])('%s', async (name, query) => {
    const answer = await httpExchange(suite.port, 'GET', `/v1/poll?session=${session}&${query}`, { token: lenaToken });
    suite.record(
      name,
      `GET /v1/poll?…&${decodeURIComponent(query)}`,
      { http: 400, error: 'bad_frame' },
      answerOf(answer),
    );
    await suite.bystandersExchange(name);
  });
});

describe('hostile - long-poll bodies', () => {
  it('a frames body that is not valid UTF-8 is refused 400 bad_frame, not stored with U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('[{"type":"ping","id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]')]);
    const answer = await httpExchange(suite.port, 'POST', `/v1/frames?session=${session}`, { token: lenaToken, body });
    suite.record(
      'frames body with invalid UTF-8',
      'POST /v1/frames with bytes ff fe in a string',
      { http: 400, error: 'bad_frame' },
      answerOf(answer),
    );
    await suite.bystandersExchange('invalid UTF-8 body');
  });

  it('a frames body streamed without Content-Length past 131072 bytes is refused 413 and the connection closed', async () => {
    const body = JSON.stringify([{ type: 'ping', id: 'big', pad: 'p'.repeat(200_000) }]);
    const answer = await httpExchange(suite.port, 'POST', `/v1/frames?session=${session}`, {
      token: lenaToken,
      body,
      chunked: true,
    });
    suite.record(
      'chunked frames body of 200 KB (limit 131072)',
      'POST /v1/frames, Transfer-Encoding: chunked',
      { http: 413, error: 'too_large' },
      answerOf(answer),
    );
    expect(answer.headers.connection).toBe('close');
    await suite.bystandersExchange('chunked body');
  });

  it('frames of the wrong types are accepted as a batch and each answered bad_frame in the poll', async () => {
    const frames = [
      { type: 'send', id: 'w1', room: 7 },
      { type: 'nope', id: 'w2' },
      { id: 'w3' },
      'just a string',
      { type: 'ping', id: 'w4' },
    ];
    const posted = await httpExchange(suite.port, 'POST', `/v1/frames?session=${session}`, {
      token: lenaToken,
      body: JSON.stringify(frames),
    });
    // Cursor 0 acknowledges nothing: each poll returns every frame so far, until all five answers are in.
    let answers: Array<Record<string, unknown>> = [];
    await waitFor(
      async () => {
        const polled = await httpExchange(suite.port, 'GET', `/v1/poll?session=${session}&cursor=0&wait=500`, {
          token: lenaToken,
        });
        answers = (polled.json.frames as Array<Record<string, unknown>>).filter(
          (f) => f.type === 'error' || f.type === 'pong',
        );
        return answers.length >= frames.length;
      },
      5000,
      'an answer to each frame',
    );
    const summary = answers
      .map(
        (f) => `${String((f.id as string | undefined) ?? '-')}:${f.type === 'error' ? String(f.code) : String(f.type)}`,
      )
      .join(' ');
    suite.record(
      '5 frames of wrong types in one POST',
      JSON.stringify(frames).slice(0, 80),
      { http: 202, reply: 'w1:bad_frame w2:bad_frame w3:bad_frame -:bad_frame w4:pong' },
      {
        http: posted.status,
        reply: summary,
      },
    );
    await suite.bystandersExchange('wrong types');
  });
});

describe('hostile - closed long-poll sessions', () => {
  it('a session closed with a backlog answers a late poll with its close only, not the backlog', async () => {
    const token = await suite.token('hoarder', 'h1');
    const created = await httpExchange(suite.port, 'POST', '/v1/sessions', { token });
    const id = String(created.json.session);
    // Pings with long ids are answered in the outbox at once (within the frame budget's burst):
    // 500 pongs of ~90 bytes, over the 16 KiB a closed session may keep.
    const pings = (batch: number) =>
      JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ type: 'ping', id: `${'p'.repeat(56)}-${batch}-${i}` })));
    for (let i = 0; i < 5; i++)
      expect(
        (await httpExchange(suite.port, 'POST', `/v1/frames?session=${id}`, { token, body: pings(i) })).status,
      ).toBe(202);
    expect((await httpExchange(suite.port, 'DELETE', `/v1/sessions?session=${id}`, { token })).status).toBe(204);
    const late = await httpExchange(suite.port, 'GET', `/v1/poll?session=${id}&cursor=1&wait=0`, { token });
    suite.record(
      'poll after DELETE of a session with 500 frames (~40 KiB) waiting',
      'GET /v1/poll?…&cursor=1',
      { http: 200, reply: '0 frames, closed 1000' },
      {
        http: late.status,
        reply: `${(late.json.frames as unknown[] | undefined)?.length ?? '-'} frames, closed ${String((late.json.closed as { code?: number } | undefined)?.code)}`,
      },
    );
    expect(late.json.cursor).toBe(1);
    await suite.bystandersExchange('closed backlog');
  });

  it(`a user's closed sessions linger at most ${MAX_CONNECTIONS} at a time (the oldest is forgotten), and never block a new one`, async () => {
    const token = await suite.token('churner', 'c1');
    const ids: string[] = [];
    for (let i = 0; i < MAX_CONNECTIONS + 2; i++) {
      const created = await httpExchange(suite.port, 'POST', '/v1/sessions', { token });
      expect(created.status, `session ${i + 1}`).toBe(201);
      ids.push(String(created.json.session));
      expect((await httpExchange(suite.port, 'DELETE', `/v1/sessions?session=${ids[i]}`, { token })).status).toBe(204);
    }
    const poll = (id: string) => httpExchange(suite.port, 'GET', `/v1/poll?session=${id}&cursor=1&wait=0`, { token });
    const oldest = await poll(ids[0]!);
    suite.record(
      `poll of the oldest of ${ids.length} closed sessions of one user (limit ${MAX_CONNECTIONS})`,
      'GET /v1/poll',
      { http: 404, error: 'not_found' },
      answerOf(oldest),
    );
    for (const id of ids.slice(-MAX_CONNECTIONS)) {
      const recent = await poll(id);
      expect(recent.status).toBe(200);
      expect(recent.json.closed).toEqual({ code: 1000, reason: 'closed by the client' });
    }
    const another = await httpExchange(suite.port, 'POST', '/v1/sessions', { token });
    expect(another.status, 'the lingering sessions hold no admission slot').toBe(201);
    await suite.bystandersExchange('closed churn');
  });
});
