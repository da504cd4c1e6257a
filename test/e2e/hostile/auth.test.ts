import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import type { RoleProcess } from '../../support/isolated-cluster.js';
import { HostileSuite, type Answer } from './support/hostile-suite.js';
import { RawTcp, RawWebSocket, closeCodeIn, upgradeRequest, wsFrame } from './support/raw-socket.js';

/**
 * Hostile handshakes: every way a hello can be wrong (no token, expired, foreign key, alg none,
 * algorithms and keys outside the allow-list, wrong issuer or audience, missing claims), what
 * comes instead of a hello, and the HTTP upgrade itself (wrong path, subprotocol, version, key,
 * method, oversized or trickled headers, and clients that never finish). Each is answered
 * `unauthorized` + 4401, an HTTP status, or a cut within the hello timeout; the bystanders
 * keep exchanging messages after every case.
 *
 * A second gateway ("strict") of the same cluster requires an issuer and an audience and also
 * takes RS256 tokens of one public key, for the claims and key-confusion cases.
 */
const HELLO_TIMEOUT_MS = 1500;
const ISSUER = 'https://issuer.test';
const AUDIENCE = 'chat-node-test';
const suite = new HostileSuite('auth and handshake');
let strict: RoleProcess;
let rsaPrivate: CryptoKey;
let rsaPublicPem = '';

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  rsaPrivate = pair.privateKey;
  rsaPublicPem = await exportSPKI(pair.publicKey);
  await suite.start(['--hello-timeout-ms', String(HELLO_TIMEOUT_MS)]);
  strict = await suite.cluster.start('gateway', 'gw-strict', ['--jwt-issuer', ISSUER, '--jwt-audience', AUDIENCE], {
    CHAT_JWT_PUBLIC_KEY: rsaPublicPem,
  });
}, 60_000);

afterAll(() => suite.stop(), 60_000);

const refused: Answer = { error: 'unauthorized', close: 4401 };
const secret = () => new TextEncoder().encode(suite.cluster.secret);
const inOneHour = () => Math.floor(Date.now() / 1000) + 3600;
const hs256 = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' });
const strictUrl = () => `ws://127.0.0.1:${strict.port}/v1/ws`;

/** An HS256 JWT signed by hand, for headers a JWT library refuses to produce. */
function handSigned(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part(header)}.${part(payload)}`;
  return `${input}.${createHmac('sha256', suite.cluster.secret).update(input).digest('base64url')}`;
}

/** Sends `hello` (or any first frame) on a fresh socket and reads how the handshake ended. */
async function helloAnswer(url: string, first: string): Promise<Answer> {
  const ws = await RawWebSocket.open(url);
  ws.sendText(first);
  const frame = await ws.next((f) => f.type === 'welcome' || f.type === 'error', 3000).catch(() => undefined);
  // A refusal's close follows its error at once; a welcome stays open.
  const closed = await ws.closedWithin(frame?.type === 'welcome' ? 0 : 3000);
  ws.close();
  const answer: Answer = {};
  if (frame?.type === 'error') answer.error = frame.code as Answer['error'];
  else if (frame) answer.reply = frame.type;
  if (closed) answer.close = closed.code;
  else answer.open = true;
  return answer;
}

type TokenCase = [
  name: string,
  gateway: 'plain' | 'strict',
  token: string | (() => Promise<string> | string),
  expected: Answer,
];

const tokenCases = (): TokenCase[] => [
  ['empty token', 'plain', '', refused],
  ['token of 8193 characters', 'plain', 'a'.repeat(8193), refused],
  ['garbage token', 'plain', 'not-a-jwt', refused],
  ['three empty JWT parts', 'plain', '..', refused],
  ['JSON header that is not base64url', 'plain', '{"alg":"HS256"}.{"sub":"u"}.x', refused],
  [
    'expired token',
    'plain',
    () =>
      hs256({ device: 'd' })
        .setSubject('mallory')
        .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
        .sign(secret()),
    refused,
  ],
  [
    'token not yet valid (nbf in 1 h)',
    'plain',
    () => hs256({ device: 'd' }).setSubject('mallory').setNotBefore('1h').setExpirationTime('2h').sign(secret()),
    refused,
  ],
  [
    'token signed with another secret',
    'plain',
    () =>
      hs256({ device: 'd' })
        .setSubject('mallory')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('guessed-secret')),
    refused,
  ],
  [
    'alg none (unsigned token)',
    'plain',
    () => new UnsecuredJWT({ device: 'd' }).setSubject('mallory').setExpirationTime('1h').encode(),
    refused,
  ],
  [
    'alg none with the signature of a valid token',
    'plain',
    async () => {
      const valid = await suite.token('mallory', 'd');
      const unsigned = new UnsecuredJWT({ device: 'd' }).setSubject('alice').setExpirationTime('1h').encode();
      return `${unsigned.slice(0, -1)}.${valid.split('.')[2]}`;
    },
    refused,
  ],
  [
    'HS512 with the right secret (not allow-listed)',
    'plain',
    () =>
      new SignJWT({ device: 'd' })
        .setProtectedHeader({ alg: 'HS512' })
        .setSubject('mallory')
        .setExpirationTime('1h')
        .sign(secret()),
    refused,
  ],
  [
    'RS256 token while only a secret is configured',
    'plain',
    () =>
      new SignJWT({ device: 'd' })
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject('mallory')
        .setExpirationTime('1h')
        .sign(rsaPrivate),
    refused,
  ],
  [
    'key confusion: HS256 signed with the public key as secret',
    'strict',
    () =>
      hs256({ device: 'd' })
        .setSubject('mallory')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(rsaPublicPem)),
    refused,
  ],
  [
    'RS256 signed by an unknown key',
    'strict',
    async () => {
      const other = await generateKeyPair('RS256');
      return new SignJWT({ device: 'd' })
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject('mallory')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setExpirationTime('1h')
        .sign(other.privateKey);
    },
    refused,
  ],
  [
    'wrong issuer',
    'strict',
    () =>
      hs256({ device: 'd' })
        .setSubject('mallory')
        .setIssuer('https://evil.test')
        .setAudience(AUDIENCE)
        .setExpirationTime('1h')
        .sign(secret()),
    refused,
  ],
  [
    'wrong audience',
    'strict',
    () =>
      hs256({ device: 'd' })
        .setSubject('mallory')
        .setIssuer(ISSUER)
        .setAudience('another-app')
        .setExpirationTime('1h')
        .sign(secret()),
    refused,
  ],
  [
    'no issuer where one is required',
    'strict',
    () => hs256({ device: 'd' }).setSubject('mallory').setAudience(AUDIENCE).setExpirationTime('1h').sign(secret()),
    refused,
  ],
  ['token without exp', 'plain', () => hs256({ device: 'd' }).setSubject('mallory').sign(secret()), refused],
  ['token without sub', 'plain', () => hs256({ device: 'd' }).setExpirationTime('1h').sign(secret()), refused],
  [
    'token without a device claim',
    'plain',
    () => hs256({}).setSubject('mallory').setExpirationTime('1h').sign(secret()),
    refused,
  ],
  [
    'device claim a number',
    'plain',
    () => hs256({ device: 42 }).setSubject('mallory').setExpirationTime('1h').sign(secret()),
    refused,
  ],
  [
    'exp as a string',
    'plain',
    () => hs256({ device: 'd', sub: 'mallory', exp: String(inOneHour()) }).sign(secret()),
    refused,
  ],
  [
    'unknown critical header extension',
    'plain',
    () =>
      handSigned({ alg: 'HS256', crit: ['x-evil'], 'x-evil': true }, { sub: 'mallory', device: 'd', exp: inOneHour() }),
    refused,
  ],
];

/** First frames that are not a usable hello. */
const firstFrameCases = (): Array<[string, string, Answer]> => [
  ['hello without a token', '{"type":"hello"}', refused],
  ['hello with a numeric token', '{"type":"hello","token":12345}', refused],
  ['a send as the first frame', '{"type":"send","room":"r","clientMsgId":"c","body":"x"}', refused],
  ['not JSON as the first frame', 'GET / HTTP/1.1', refused],
  ['JSON array as the first frame', '[{"type":"hello","token":"x"}]', refused],
];

describe('hostile - tokens', () => {
  it.each(tokenCases().map(([name, gateway, token, expected]) => ({ name, gateway, token, expected })))(
    '$name',
    async ({ name, gateway, token, expected }) => {
      const text = JSON.stringify({ type: 'hello', token: typeof token === 'string' ? token : await token() });
      const answer = await helloAnswer(gateway === 'strict' ? strictUrl() : suite.url, text);
      suite.record(name, `hello (${gateway} gateway)`, expected, answer);
      await suite.bystandersExchange(name);
    },
  );

  it('the strict gateway does take a well-formed RS256 token (the cases above fail for their flaw only)', async () => {
    const token = await new SignJWT({ device: 'd' })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('rsa-user')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setExpirationTime('1h')
      .sign(rsaPrivate);
    expect(await helloAnswer(strictUrl(), JSON.stringify({ type: 'hello', token }))).toEqual({
      reply: 'welcome',
      open: true,
    });
  });

  it.each(firstFrameCases().map(([name, text, expected]) => ({ name, text, expected })))(
    '$name',
    async ({ name, text, expected }) => {
      suite.record(name, text, expected, await helloAnswer(suite.url, text));
      await suite.bystandersExchange(name);
    },
  );

  it('a binary frame before hello is bad_frame, and the hello that follows still works', async () => {
    const ws = await RawWebSocket.open(suite.url);
    ws.sendBinary(Buffer.from([0, 1, 2, 3]));
    const error = await ws.next((f) => f.type === 'error');
    ws.sendJson({ type: 'hello', token: await suite.token('mallory', 'bin') });
    const welcome = await ws.next((f) => f.type === 'welcome').catch(() => undefined);
    ws.close();
    suite.record(
      'binary frame before hello',
      'binary frame, then a valid hello',
      { error: 'bad_frame', open: true },
      { error: error.code as Answer['error'], ...(welcome ? { open: true } : {}) },
    );
    await suite.bystandersExchange('binary before hello');
  });
});

interface SlowProbe {
  name: string;
  sent: string;
  expected: Answer;
  actual: Answer;
  /** ms from the probe's start to its end (its cut or close). */
  elapsedMs: number;
}

/** Opens a socket and never says hello. */
async function noHello(): Promise<SlowProbe> {
  const ws = await RawWebSocket.open(suite.url);
  const started = Date.now();
  const closed = await ws.closedWithin(HELLO_TIMEOUT_MS + 3000);
  const error = ws.frames.find((f) => f.type === 'error');
  const actual: Answer = {
    ...(error ? { error: error.code as Answer['error'] } : {}),
    ...(closed ? { close: closed.code } : { open: true }),
  };
  return {
    name: 'no hello after the upgrade',
    sent: 'nothing',
    expected: refused,
    actual,
    elapsedMs: Date.now() - started,
  };
}

/** Trickles a hello frame one byte per 100 ms and never answers the server's close. */
async function websocketSlowloris(): Promise<SlowProbe> {
  const tcp = await RawTcp.upgraded(suite.port);
  const frame = wsFrame(
    0x1,
    Buffer.from(JSON.stringify({ type: 'hello', token: await suite.token('mallory', 'slow') })),
  );
  const started = Date.now();
  let sent = 0;
  const trickle = setInterval(() => sent < frame.length && tcp.write(frame.subarray(sent, ++sent)), 100);
  const cut = await tcp.closedWithin(HELLO_TIMEOUT_MS + 3000);
  clearInterval(trickle);
  const code = closeCodeIn(tcp.bytes);
  const actual: Answer = {
    ...(tcp.text.includes('"unauthorized"') ? { error: 'unauthorized' as const } : {}),
    ...(code ? { close: code } : {}),
    ...(cut ? { cut: true } : {}),
  };
  tcp.destroy();
  return {
    name: 'hello trickled 1 byte / 100 ms (WebSocket slowloris)',
    sent: `${frame.length}-byte hello frame, 1 byte per 100 ms`,
    expected: { error: 'unauthorized', close: 4401, cut: true },
    actual,
    elapsedMs: Date.now() - started,
  };
}

/** Sends the upgrade's header lines one per 200 ms, then junk headers for ever. */
async function httpSlowloris(): Promise<SlowProbe> {
  const tcp = await RawTcp.open(suite.port);
  const request = upgradeRequest()
    .split('\r\n')
    .filter((line) => line !== '');
  const started = Date.now();
  let line = 0;
  const trickle = setInterval(() => tcp.write(`${request[line++] ?? `X-Slow-${line}: 1`}\r\n`), 200);
  const cut = await tcp.closedWithin(HELLO_TIMEOUT_MS + 3000);
  clearInterval(trickle);
  const status = /^HTTP\/1\.1 (\d{3})/.exec(tcp.text);
  tcp.destroy();
  return {
    name: 'upgrade headers trickled 1 line / 200 ms (HTTP slowloris)',
    sent: 'never-ending upgrade request',
    expected: { http: 408, cut: true },
    actual: { ...(status ? { http: Number(status[1]) } : {}), ...(cut ? { cut: true } : {}) },
    elapsedMs: Date.now() - started,
  };
}

/** Connects over TCP and sends nothing at all. */
async function silentTcp(): Promise<SlowProbe> {
  const tcp = await RawTcp.open(suite.port);
  const started = Date.now();
  const cut = await tcp.closedWithin(HELLO_TIMEOUT_MS + 3000);
  const status = /^HTTP\/1\.1 (\d{3})/.exec(tcp.text);
  tcp.destroy();
  return {
    name: 'TCP connection that sends nothing',
    sent: 'nothing',
    expected: { http: 408, cut: true },
    actual: { ...(status ? { http: Number(status[1]) } : {}), ...(cut ? { cut: true } : {}) },
    elapsedMs: Date.now() - started,
  };
}

/** 40 WebSockets at once that never say hello. */
async function idleFlood(): Promise<SlowProbe> {
  const started = Date.now();
  const sockets = await Promise.all(Array.from({ length: 40 }, () => RawWebSocket.open(suite.url)));
  const closes = await Promise.all(sockets.map((ws) => ws.closedWithin(HELLO_TIMEOUT_MS + 3000)));
  const codes = [...new Set(closes.map((closed) => closed?.code ?? 0))];
  return {
    name: '40 idle WebSockets at once (connection flood)',
    sent: '40 upgrades, no hello',
    expected: { close: 4401 },
    actual: codes.length === 1 && codes[0] ? { close: codes[0] } : { open: true },
    elapsedMs: Date.now() - started,
  };
}

describe('hostile - clients that never finish', () => {
  it('silent, trickling and idle clients are all cut at the hello timeout, while the bystanders carry on', async () => {
    // Run side by side: each waits out the hello timeout, and the bystanders talk meanwhile.
    const probes = Promise.all([noHello(), websocketSlowloris(), httpSlowloris(), silentTcp(), idleFlood()]);
    await new Promise((resolve) => setTimeout(resolve, HELLO_TIMEOUT_MS / 2));
    await suite.bystandersExchange('while slow clients hang on');
    for (const probe of await probes) {
      suite.record(probe.name, probe.sent, probe.expected, probe.actual);
      expect(probe.elapsedMs, `${probe.name}: ended at the hello timeout, not later`).toBeLessThan(
        HELLO_TIMEOUT_MS + 2500,
      );
    }
    await suite.bystandersExchange('after slow clients');
  });
});

describe('hostile - the HTTP upgrade', () => {
  const upgradeCases = (): Array<[string, string, number]> => [
    ['upgrade on another path', upgradeRequest({}, '/v1/wss'), 404],
    ['upgrade with a path traversal', upgradeRequest({}, '/v1/ws/../../etc/passwd'), 404],
    ['upgrade without a subprotocol', upgradeRequest({ 'Sec-WebSocket-Protocol': undefined }), 400],
    ['upgrade offering only chat.v2', upgradeRequest({ 'Sec-WebSocket-Protocol': 'chat.v2' }), 400],
    ['upgrade with WebSocket version 99', upgradeRequest({ 'Sec-WebSocket-Version': '99' }), 426],
    ['upgrade without Sec-WebSocket-Key', upgradeRequest({ 'Sec-WebSocket-Key': undefined }), 400],
    ['upgrade with a malformed Sec-WebSocket-Key', upgradeRequest({ 'Sec-WebSocket-Key': 'abc' }), 400],
    ['upgrade to h2c instead of websocket', upgradeRequest({ Upgrade: 'h2c' }), 400],
    ['upgrade with POST', upgradeRequest().replace(/^GET/, 'POST'), 405],
    ['upgrade with 20 KB of headers', upgradeRequest({ 'X-Padding': 'p'.repeat(20_000) }), 431],
    ['bytes that are not HTTP', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello to a plain port\r\n\r\n', 400],
    ['GET of an unknown path', 'GET /admin/../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 404],
    ['GET /metrics with a 20 KB URL', `GET /metrics?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 431],
    [
      'request smuggling: Content-Length and chunked together',
      'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /metrics HTTP/1.1\r\n\r\n',
      400,
    ],
    ['header with a NUL byte', 'GET /healthz HTTP/1.1\r\nHost: x\r\nX-Evil: a\x00b\r\n\r\n', 400],
  ];

  it.each(upgradeCases().map(([name, request, status]) => ({ name, request, status })))(
    '$name',
    async ({ name, request, status }) => {
      const tcp = await RawTcp.open(suite.port);
      tcp.write(request);
      await tcp.waitFor((text) => /^HTTP\/1\.1 \d{3}/.test(text), 3000);
      const got = /^HTTP\/1\.1 (\d{3})/.exec(tcp.text);
      tcp.destroy();
      suite.record(
        name,
        request.split('\r\n')[0]!.slice(0, 60),
        { http: status },
        got ? { http: Number(got[1]) } : { cut: true },
      );
      await suite.bystandersExchange(name);
    },
  );
});
