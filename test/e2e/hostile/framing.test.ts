import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostileSuite, answerOf, type Answer } from './support/hostile-suite.js';
import { RawTcp, RawWebSocket, closeCodeIn, httpExchange, wsFrame } from './support/raw-socket.js';

/**
 * Hostile framing against a running gateway: what is not JSON, not an object, not a known
 * frame, ill-typed, too large, binary, or not even a valid WebSocket frame. A bad frame is
 * answered `bad_frame` and the connection stays usable; what breaks the WebSocket protocol
 * itself (invalid UTF-8, unmasked or reserved frames) or exceeds maxFrameBytes is closed with
 * the RFC 6455 code; a connection that keeps sending bad frames is closed with 4400. After every
 * case the bystanders still exchange a message in order.
 */
const suite = new HostileSuite('framing');
let mallory: RawWebSocket;
let room = '';

beforeAll(async () => {
  await suite.start();
  mallory = await suite.attacker('mallory', 'm1');
  const reply = await mallory.request({ type: 'room.create', kind: 'direct', members: ['victor'] });
  room = (reply.room as { id: string }).id;
}, 60_000);

afterAll(() => suite.stop(), 60_000);

const badFrame: Answer = { error: 'bad_frame', open: true };
/** Bad frames a connection may send in a row before it is closed (BAD_FRAME_BURST). */
const BAD_FRAME_ALLOWANCE = 10;
const badFrameWithId: Answer = { error: 'bad_frame', idEchoed: true, open: true };
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

/** Text frames on an authenticated connection: [name, frame text, expected answer, request id the case uses]. */
const textCases = (): Array<[string, string, Answer, string?]> => [
  ['not JSON at all', 'hello world', badFrame],
  ['truncated JSON object', '{"type":"ping","id":"p1"', badFrame],
  ['JSON array', '[{"type":"ping"}]', badFrame],
  ['JSON string', '"ping"', badFrame],
  ['JSON null', 'null', badFrame],
  ['JSON number', '42', badFrame],
  ['empty text frame', '', badFrame],
  ['object without type', '{"id":"f1"}', badFrameWithId, 'f1'],
  ['type is a number', '{"type":7,"id":"f2"}', badFrameWithId, 'f2'],
  ['unknown frame type', '{"type":"delete_everything","id":"f3"}', badFrameWithId, 'f3'],
  ['type "__proto__"', '{"type":"__proto__","id":"f4"}', badFrameWithId, 'f4'],
  ['type "constructor"', '{"type":"constructor","id":"f5"}', badFrameWithId, 'f5'],
  ['server frame type sent by a client (ack)', '{"type":"ack","id":"f6","room":"x","seq":1}', badFrameWithId, 'f6'],
  ['send without body', `{"type":"send","id":"f7","room":"ROOM","clientMsgId":"c1"}`, badFrameWithId, 'f7'],
  [
    'send with a numeric body',
    `{"type":"send","id":"f8","room":"ROOM","clientMsgId":"c2","body":12}`,
    badFrameWithId,
    'f8',
  ],
  [
    'send with an object body',
    `{"type":"send","id":"f9","room":"ROOM","clientMsgId":"c3","body":{"text":"x"}}`,
    badFrameWithId,
    'f9',
  ],
  ['send without room', '{"type":"send","id":"f10","clientMsgId":"c4","body":"x"}', badFrameWithId, 'f10'],
  ['history limit 0', '{"type":"history","id":"f11","room":"ROOM","limit":0}', badFrameWithId, 'f11'],
  ['history limit 101', '{"type":"history","id":"f12","room":"ROOM","limit":101}', badFrameWithId, 'f12'],
  ['history limit as a string', '{"type":"history","id":"f13","room":"ROOM","limit":"10"}', badFrameWithId, 'f13'],
  ['history before 1.5', '{"type":"history","id":"f14","room":"ROOM","before":1.5}', badFrameWithId, 'f14'],
  ['read seq negative', '{"type":"read","id":"f15","room":"ROOM","seq":-1}', badFrameWithId, 'f15'],
  ['read seq 1e20 (beyond 2^53)', '{"type":"read","id":"f16","room":"ROOM","seq":1e20}', badFrameWithId, 'f16'],
  [
    'room.create kind "channel"',
    '{"type":"room.create","id":"f17","kind":"channel","members":["bob"]}',
    badFrameWithId,
    'f17',
  ],
  [
    'room.create members not an array',
    '{"type":"room.create","id":"f18","kind":"group","members":"bob"}',
    badFrameWithId,
    'f18',
  ],
  [
    'room.create direct with two others',
    '{"type":"room.create","id":"f19","kind":"direct","members":["bob","carol"]}',
    badFrameWithId,
    'f19',
  ],
  [
    'room.create direct with oneself',
    '{"type":"room.create","id":"f20","kind":"direct","members":["mallory"]}',
    badFrameWithId,
    'f20',
  ],
  ['typing state "maybe"', '{"type":"typing","id":"f21","room":"ROOM","state":"maybe"}', badFrameWithId, 'f21'],
  [
    'push.register platform "web"',
    '{"type":"push.register","id":"f22","platform":"web","token":"t"}',
    badFrameWithId,
    'f22',
  ],
  ['request id of 65 characters', `{"type":"ping","id":"${'i'.repeat(65)}"}`, { error: 'bad_frame', open: true }],
  ['request id a number', '{"type":"ping","id":5}', badFrame],
  ['second hello after welcome', '{"type":"hello","token":"x"}', badFrame],
  [
    'body with a NUL character',
    `{"type":"send","id":"f23","room":"ROOM","clientMsgId":"nul1","body":"a\\u0000b"}`,
    badFrameWithId,
    'f23',
  ],
  [
    'group name with a NUL character',
    '{"type":"room.create","id":"f24","kind":"group","name":"x\\u0000y","members":["victor"]}',
    badFrameWithId,
    'f24',
  ],
  [
    'push token with a NUL character',
    '{"type":"push.register","id":"f25","platform":"fcm","token":"t\\u0000"}',
    badFrameWithId,
    'f25',
  ],
  [
    'body over maxBodyChars (4001)',
    `{"type":"send","id":"f26","room":"ROOM","clientMsgId":"long1","body":"${'x'.repeat(4001)}"}`,
    { error: 'too_large', idEchoed: true, open: true },
    'f26',
  ],
  [
    'body of 2001 emoji (4002 UTF-16 units)',
    `{"type":"send","id":"f27","room":"ROOM","clientMsgId":"long2","body":"${'😀'.repeat(2001)}"}`,
    { error: 'too_large', idEchoed: true, open: true },
    'f27',
  ],
  [
    '7,000-deep nested array in an extra field',
    `{"type":"ping","id":"f28","x":${nested(7000)}}`,
    { reply: 'pong', open: true },
    'f28',
  ],
  [
    'lone UTF-16 surrogate in a body',
    `{"type":"send","id":"f29","room":"ROOM","clientMsgId":"sur1","body":"\\ud800"}`,
    badFrameWithId,
    'f29',
  ],
  // The NUL and surrogate bodies above once reached the fan-out and stalled its partition: this proves the room still takes sends.
  [
    'a valid send to the same room after them',
    `{"type":"send","id":"f31","room":"ROOM","clientMsgId":"after-nul","body":"still here"}`,
    { reply: 'ack', open: true },
    'f31',
  ],
  [
    'duplicate keys (last one wins, an id pattern breach)',
    '{"type":"send","id":"f30","room":"ROOM","room":"a.b","clientMsgId":"d1","body":"x"}',
    badFrameWithId,
    'f30',
  ],
];

describe('hostile - framing', () => {
  it.each(textCases().map(([name, text, expected, id]) => ({ name, text, expected, id })))(
    '$name',
    async ({ name, text, expected, id }) => {
      const frame = text.replaceAll('ROOM', room);
      // A connection of its own per case: a run of bad frames on one connection closes it (see below).
      const ws = await suite.attacker('mallory', 'm1');
      const answer = await answerOf(ws, frame, { id });
      ws.close();
      suite.record(name, frame.length > 80 ? `${frame.slice(0, 77)}...` : frame, expected, answer);
      await suite.bystandersExchange(name);
    },
  );

  it('binary frame', async () => {
    const answer = await answerOf(mallory, Buffer.from('{"type":"ping"}'));
    suite.record('binary frame', 'binary frame {"type":"ping"}', badFrame, answer);
    await suite.bystandersExchange('binary');
  });

  it('a connection that keeps sending bad frames is closed with 4400 after the allowance', async () => {
    const ws = await suite.attacker('mallory', 'm3');
    const answers = [];
    // Not JSON, binary and a second hello all count; valid frames in between do not reset the count.
    const bad = ['not json', Buffer.from('{"type":"ping"}'), '{"type":"hello","token":"x"}'];
    for (let i = 0; i < BAD_FRAME_ALLOWANCE; i++) answers.push(await answerOf(ws, bad[i % bad.length]!));
    expect(answers, 'within the allowance: answered, still open').toEqual(Array(BAD_FRAME_ALLOWANCE).fill(badFrame));
    const answer = await answerOf(ws, 'still not json');
    suite.record(
      `bad frame ${BAD_FRAME_ALLOWANCE + 1} in a row on one connection`,
      `${BAD_FRAME_ALLOWANCE + 1} bad frames`,
      { error: 'bad_frame', close: 4400 },
      answer,
    );
    await suite.bystandersExchange('bad frame run');
  });

  it('over long-poll, a run of bad frames ends the session with 4400 too', async () => {
    const token = await suite.token('mallory', 'lp1');
    const created = await httpExchange(suite.port, 'POST', '/v1/sessions', { token });
    expect(created.status).toBe(201);
    const session = String(created.json.session);
    const frames = JSON.stringify(Array(BAD_FRAME_ALLOWANCE + 1).fill({ type: 'delete_everything' }));
    expect(
      (await httpExchange(suite.port, 'POST', `/v1/frames?session=${session}`, { token, body: frames })).status,
    ).toBe(202);
    let polled = await httpExchange(suite.port, 'GET', `/v1/poll?session=${session}&cursor=0&wait=0`, { token });
    for (let i = 0; i < 20 && !polled.json.closed; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      polled = await httpExchange(suite.port, 'GET', `/v1/poll?session=${session}&cursor=0&wait=0`, { token });
    }
    const got = polled.json as { frames?: Array<{ code?: string }>; closed?: { code: number } };
    suite.record(
      `${BAD_FRAME_ALLOWANCE + 1} bad frames in one long-poll POST`,
      'POST /v1/frames',
      { error: 'bad_frame', close: 4400 },
      {
        ...(got.frames?.some((f) => f.code === 'bad_frame') ? { error: 'bad_frame' as const } : {}),
        ...(got.closed ? { close: got.closed.code } : { open: true }),
      },
    );
    await suite.bystandersExchange('long-poll bad frame run');
  });

  it('text frame over maxFrameBytes', async () => {
    const victim = await suite.attacker('mallory', 'm2');
    const answer = await answerOf(
      victim,
      `{"type":"send","room":"${room}","clientMsgId":"big","body":"${'x'.repeat(17_000)}"}`,
    );
    suite.record('text frame over maxFrameBytes (17 KB)', '17 KB send frame', { close: 1009 }, answer);
    await suite.bystandersExchange('oversized');
  });

  it('a message over maxFrameBytes in small fragments', async () => {
    const tcp = await authenticatedTcp();
    const chunk = Buffer.alloc(4000, 0x20);
    tcp.write(wsFrame(0x1, chunk, { fin: false }));
    for (let i = 0; i < 4; i++) tcp.write(wsFrame(0x0, chunk, { fin: false }));
    tcp.write(wsFrame(0x0, chunk));
    const answer = await tcpAnswer(tcp);
    suite.record(
      'fragmented message over maxFrameBytes (6 x 4000 bytes)',
      'text frame continued 5 times',
      { close: 1009 },
      answer,
    );
    await suite.bystandersExchange('fragments');
  });

  it('a frame header claiming 2^62 bytes', async () => {
    const tcp = await authenticatedTcp();
    tcp.write(wsFrame(0x1, Buffer.alloc(0), { claimedLength: 2 ** 62 }).subarray(0, 14));
    const answer = await tcpAnswer(tcp);
    suite.record('frame header claiming 2^62 bytes', 'header only, 64-bit length', { close: 1009 }, answer);
    await suite.bystandersExchange('huge header');
  });

  it.each([
    ['invalid UTF-8 in a text frame', () => wsFrame(0x1, Buffer.from([0x7b, 0xff, 0xfe, 0x7d])), 1007],
    ['overlong UTF-8 encoding of "/"', () => wsFrame(0x1, Buffer.from([0xc0, 0xaf])), 1007],
    ['unmasked client frame', () => wsFrame(0x1, Buffer.from('{"type":"ping"}'), { masked: false }), 1002],
    ['reserved opcode 0x3', () => wsFrame(0x3, Buffer.from('x')), 1002],
    ['RSV1 set without negotiated compression', () => wsFrame(0x1, Buffer.from('{"type":"ping"}'), { rsv: 4 }), 1002],
    ['control frame (ping) over 125 bytes', () => wsFrame(0x9, Buffer.alloc(126)), 1002],
    ['continuation frame with nothing to continue', () => wsFrame(0x0, Buffer.from('x')), 1002],
  ] as const)('%s', async (name, frame, code) => {
    const tcp = await authenticatedTcp();
    tcp.write(frame());
    const answer = await tcpAnswer(tcp);
    suite.record(name, 'raw WebSocket frame over TCP', { close: code }, answer);
    await suite.bystandersExchange(name);
  });
});

/** A raw TCP WebSocket that completed the hello (so the frame under test hits an open session). */
async function authenticatedTcp(): Promise<RawTcp> {
  const tcp = await RawTcp.upgraded(suite.port);
  tcp.write(wsFrame(0x1, Buffer.from(JSON.stringify({ type: 'hello', token: await suite.token('mallory', 'raw') }))));
  await tcp.waitFor((text) => text.includes('"welcome"'), 3000);
  return tcp;
}

/** The close code the server sent on a raw TCP WebSocket (the socket must also end). */
async function tcpAnswer(tcp: RawTcp): Promise<Answer> {
  await tcp.waitFor(() => closeCodeIn(tcp.bytes) !== undefined, 3000);
  const code = closeCodeIn(tcp.bytes);
  const ended = code === undefined && (await tcp.closedWithin(500));
  tcp.destroy();
  if (code === undefined) return ended ? { cut: true } : { open: true };
  return { close: code };
}
