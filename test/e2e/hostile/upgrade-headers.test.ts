import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoleProcess } from '../../support/isolated-cluster.js';
import { HostileSuite, type Answer } from './support/hostile-suite.js';
import { RawTcp, closeCodeIn, serverTextFrames, wsFrame } from './support/raw-socket.js';

/**
 * Hostile headers on the WebSocket upgrade: Origin (none, a browser's, `null`, huge, and against
 * an allow-list), crafted Sec-WebSocket-Protocol and Sec-WebSocket-Extensions values, a
 * permessage-deflate offer (never negotiated: a compressed frame sent anyway is a protocol error),
 * many small headers, and duplicate or missing handshake headers. Each is answered with a clean
 * HTTP refusal (the status, `connection: close`, then the socket ends) or a 101 on which a hello is
 * welcomed; the bystanders keep exchanging messages after every case.
 *
 * A second gateway ("listed") of the same cluster has an Origin allow-list (--cors-origins, the
 * setting long-poll's CORS answers follow): it refuses an upgrade whose Origin is not on it.
 */
const ALLOWED_ORIGIN = 'https://app.example.com';
const suite = new HostileSuite('upgrade headers');
let listed: RoleProcess;
let helloCount = 0;

beforeAll(async () => {
  await suite.start();
  listed = await suite.cluster.start('gateway', 'gw-listed', ['--cors-origins', ALLOWED_ORIGIN]);
  await suite.cluster.waitReady(listed);
}, 60_000);

afterAll(() => suite.stop(), 60_000);

type Header = [name: string, value: string];
type Gateway = 'default' | 'listed';

/** A well-formed upgrade's headers; `overrides` replaces (or, undefined, drops) some, `extra` follows them, `leading` precedes them. */
function headers(
  overrides: Record<string, string | undefined> = {},
  extra: Header[] = [],
  leading: Header[] = [],
): Header[] {
  const base: Record<string, string | undefined> = {
    Host: '127.0.0.1',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Protocol': 'chat.v1',
    ...overrides,
  };
  const kept = Object.entries(base).filter((entry): entry is Header => entry[1] !== undefined);
  return [...leading, ...kept, ...extra];
}

function requestText(lines: Header[], path = '/v1/ws'): string {
  return `GET ${path} HTTP/1.1\r\n${lines.map(([name, value]) => `${name}: ${value}`).join('\r\n')}\r\n\r\n`;
}

/** `count` tiny headers: `x1: 1`, `x2: 1`, ... */
const tiny = (count: number, name = (i: number) => `x${i}`): Header[] =>
  Array.from({ length: count }, (_, i) => [name(i), '1']);
/** Comma-separated junk tokens up to about `bytes`, then `last`. */
const longList = (bytes: number, last: string) =>
  `${Array.from({ length: Math.ceil(bytes / 8) }, (_, i) => `j${String(i).padStart(5, '0')}`).join(', ')}, ${last}`;

interface UpgradeResponse {
  status: number;
  /** Response header lines, lower-case names. */
  headers: Map<string, string>;
  body: string;
  /** The server closed the TCP connection after a refusal (a clean answer: not left hanging). */
  ended: boolean;
  /** A 101 took a hello: the welcome came back. */
  welcomed: boolean;
}

const port = (gateway: Gateway) => (gateway === 'listed' ? listed.port : suite.port);

/** Sends one upgrade request over raw TCP and reads the answer; on a 101, says hello on it. */
async function upgrade(gateway: Gateway, request: string): Promise<UpgradeResponse> {
  const tcp = await RawTcp.open(port(gateway));
  tcp.write(request);
  await tcp.waitFor((text) => text.includes('\r\n\r\n'), 3000);
  const headEnd = tcp.text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = tcp.text.slice(0, Math.max(0, headEnd)).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const head = new Map(
    lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]),
  );
  let welcomed = false;
  let ended = false;
  if (status === 101) {
    const frames = () => tcp.bytes.subarray(headEnd + 4);
    tcp.write(
      wsFrame(
        0x1,
        Buffer.from(JSON.stringify({ type: 'hello', token: await suite.token(`hdr${++helloCount}`, 'd1') })),
      ),
    );
    await tcp.waitFor(() => serverTextFrames(frames()).length > 0 || closeCodeIn(frames()) !== undefined, 3000);
    welcomed = serverTextFrames(frames()).some((text) => (JSON.parse(text) as { type?: string }).type === 'welcome');
  } else {
    ended = await tcp.closedWithin(1000);
  }
  const body = headEnd >= 0 ? tcp.text.slice(headEnd + 4) : '';
  tcp.destroy();
  return { status, headers: head, body, ended, welcomed };
}

/** A 101 that negotiated `protocol` and no extension, and whose hello was welcomed. */
const accepted = (protocol = 'chat.v1'): Answer => ({
  http: 101,
  reply: `protocol ${protocol}, no extension, welcome`,
});

function answerOf(response: UpgradeResponse): Answer {
  if (response.status === 101) {
    const protocol = response.headers.get('sec-websocket-protocol') ?? 'none';
    const extension = response.headers.get('sec-websocket-extensions');
    return {
      http: 101,
      reply: `protocol ${protocol}, ${extension ? `extension ${extension}` : 'no extension'}, ${response.welcomed ? 'welcome' : 'no welcome'}`,
    };
  }
  if (response.status === 0) return { cut: true };
  return { http: response.status };
}

interface UpgradeCase {
  name: string;
  gateway: Gateway;
  request: () => string;
  expected: Answer;
  /** More to check on the response. */
  check?: (response: UpgradeResponse) => void;
}

const originCases = (): UpgradeCase[] => [
  {
    name: 'no Origin (a non-browser client)',
    gateway: 'default',
    request: () => requestText(headers()),
    expected: accepted(),
  },
  {
    name: 'a browser Origin, no allow-list',
    gateway: 'default',
    request: () => requestText(headers({ Origin: 'https://elsewhere.example' })),
    expected: accepted(),
  },
  {
    name: 'Origin: null, no allow-list',
    gateway: 'default',
    request: () => requestText(headers({ Origin: 'null' })),
    expected: accepted(),
  },
  {
    name: 'Origin of 8 KB, no allow-list',
    gateway: 'default',
    request: () => requestText(headers({ Origin: `https://${'o'.repeat(8000)}.example` })),
    expected: accepted(),
  },
  {
    name: 'Origin of 20 KB (over the 16 KB header limit)',
    gateway: 'default',
    request: () => requestText(headers({ Origin: `https://${'o'.repeat(20_000)}.example` })),
    expected: { http: 431 },
  },
  {
    name: 'allow-list: no Origin (a non-browser client)',
    gateway: 'listed',
    request: () => requestText(headers()),
    expected: accepted(),
  },
  {
    name: 'allow-list: the listed Origin',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: ALLOWED_ORIGIN })),
    expected: accepted(),
  },
  {
    name: 'allow-list: an Origin not on it',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: 'https://evil.example' })),
    expected: { http: 403 },
    check: (response) => expect(response.body, 'the refusal does not reflect the Origin').not.toContain('evil'),
  },
  {
    name: 'allow-list: Origin: null (sandboxed frame, file://)',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: 'null' })),
    expected: { http: 403 },
  },
  {
    name: 'allow-list: the listed host as a prefix of another',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: `${ALLOWED_ORIGIN}.evil.example` })),
    expected: { http: 403 },
  },
  {
    name: 'allow-list: the listed host over http',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: ALLOWED_ORIGIN.replace('https:', 'http:') })),
    expected: { http: 403 },
  },
  {
    name: 'allow-list: the listed Origin with a path',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: `${ALLOWED_ORIGIN}/chat` })),
    expected: { http: 403 },
  },
  {
    name: 'allow-list: two Origin headers, the listed one and another',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: ALLOWED_ORIGIN }, [['Origin', 'https://evil.example']])),
    expected: { http: 403 },
  },
  {
    name: 'allow-list: Origin of 8 KB',
    gateway: 'listed',
    request: () => requestText(headers({ Origin: `https://${'o'.repeat(8000)}.example` })),
    expected: { http: 403 },
  },
  {
    name: "allow-list: the gateway's own origin (a page served through the same host)",
    gateway: 'listed',
    request: () =>
      requestText(headers({ Host: `127.0.0.1:${listed.port}`, Origin: `http://127.0.0.1:${listed.port}` })),
    expected: accepted(),
  },
];

const protocolCases = (): UpgradeCase[] => [
  {
    name: 'chat.v1 among junk subprotocols',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'x-junk, chat.v1, y.junk.v2' })),
    expected: accepted(),
  },
  {
    name: 'chat.v1 in a second Sec-WebSocket-Protocol line',
    gateway: 'default',
    request: () =>
      requestText(headers({ 'Sec-WebSocket-Protocol': 'x-junk' }, [['Sec-WebSocket-Protocol', 'chat.v1']])),
    expected: accepted(),
  },
  {
    name: 'chat.v1 after 10 KB of junk subprotocols',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': longList(10_000, 'chat.v1') })),
    expected: accepted(),
  },
  {
    name: 'one subprotocol token of 10 KB',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'p'.repeat(10_000) })),
    expected: { http: 400 },
  },
  {
    name: 'chat.v1 twice (subprotocols must be unique)',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'chat.v1, chat.v1' })),
    expected: { http: 400 },
  },
  {
    name: 'chat.v1 and a token with a space',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'chat.v1, bad token' })),
    expected: { http: 400 },
  },
  {
    name: 'chat.v1 and a token with separators',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'chat.v1, <script>' })),
    expected: { http: 400 },
  },
  {
    name: 'chat.v1 and a non-ASCII token',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'chat.v1, \u00fcber' })),
    expected: { http: 400 },
  },
  {
    name: 'chat.v1 with parameters',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'chat.v1;q=1' })),
    expected: { http: 400 },
  },
  {
    name: 'chat.v1 and a trailing comma',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'chat.v1,' })),
    expected: { http: 400 },
  },
  {
    name: 'CHAT.V1 (subprotocols are case-sensitive)',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': 'CHAT.V1' })),
    expected: { http: 400 },
  },
  {
    name: 'an empty Sec-WebSocket-Protocol',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Protocol': '' })),
    expected: { http: 400 },
  },
];

const extensionCases = (): UpgradeCase[] => [
  {
    name: "a browser's permessage-deflate offer",
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' })),
    expected: accepted(),
  },
  {
    name: 'permessage-deflate with malformed parameters',
    gateway: 'default',
    request: () =>
      requestText(
        headers({
          'Sec-WebSocket-Extensions':
            'permessage-deflate; server_max_window_bits=abc; ;;==; client_no_context_takeover=1, , permessage-deflate;',
        }),
      ),
    expected: accepted(),
  },
  {
    name: 'a 10 KB Sec-WebSocket-Extensions',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Extensions': longList(10_000, 'permessage-deflate') })),
    expected: accepted(),
  },
  {
    name: 'unknown extensions',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Extensions': 'x-webkit-deflate-frame, foo; bar=baz, mux' })),
    expected: accepted(),
  },
  {
    name: 'permessage-deflate offered on three lines',
    gateway: 'default',
    request: () =>
      requestText(
        headers({ 'Sec-WebSocket-Extensions': 'permessage-deflate' }, [
          ['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits=15'],
          ['Sec-WebSocket-Extensions', 'x-other'],
        ]),
      ),
    expected: accepted(),
  },
];

// Node keeps at most 2000 header lines of a request (maxHeadersCount) and reads at most 16 KB of them.
const manyHeaderCases = (): UpgradeCase[] => [
  {
    name: '500 tiny headers after the handshake headers',
    gateway: 'default',
    request: () => requestText(headers({}, tiny(500))),
    expected: accepted(),
  },
  {
    name: '500 tiny headers before the handshake headers',
    gateway: 'default',
    request: () => requestText(headers({}, [], tiny(500))),
    expected: accepted(),
  },
  {
    name: '5,000 tiny headers (over 16 KB)',
    gateway: 'default',
    request: () => requestText(headers({}, tiny(5000))),
    expected: { http: 431 },
  },
  // Node counts only names and values against the 16 KB: 3,000 lines `x: 1` pass it, and it keeps 2000 of them.
  {
    name: '3,000 headers x: 1 before the handshake headers',
    gateway: 'default',
    request: () =>
      requestText(
        headers(
          {},
          [],
          tiny(3000, () => 'x'),
        ),
      ),
    expected: { http: 431 },
  },
  {
    name: '3,000 headers x: 1 after the handshake headers',
    gateway: 'default',
    request: () =>
      requestText(
        headers(
          {},
          tiny(3000, () => 'x'),
        ),
      ),
    expected: { http: 431 },
  },
  {
    name: '3,000 headers x: 1 before the Authorization of a plain HTTP request',
    gateway: 'default',
    request: () =>
      requestText([['Host', '127.0.0.1'], ...tiny(3000, () => 'x'), ['Authorization', 'Bearer x']], '/healthz'),
    expected: { http: 431 },
  },
  {
    name: 'two Host headers',
    gateway: 'default',
    request: () => requestText(headers({}, [['Host', 'evil.example']])),
    expected: { http: 400 },
  },
  {
    name: 'two Host headers on a plain HTTP request',
    gateway: 'default',
    request: () =>
      requestText(
        [
          ['Host', '127.0.0.1'],
          ['Host', 'evil.example'],
        ],
        '/healthz',
      ),
    expected: { http: 400 },
  },
  {
    name: 'no Host header',
    gateway: 'default',
    request: () => requestText(headers({ Host: undefined })),
    expected: { http: 400 },
  },
  {
    name: 'two Upgrade: websocket headers',
    gateway: 'default',
    request: () => requestText(headers({}, [['Upgrade', 'websocket']])),
    expected: { http: 400 },
  },
  {
    name: 'two different Sec-WebSocket-Key headers',
    gateway: 'default',
    request: () => requestText(headers({}, [['Sec-WebSocket-Key', randomBytes(16).toString('base64')]])),
    expected: { http: 400 },
  },
  {
    name: 'no Sec-WebSocket-Key',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Key': undefined })),
    expected: { http: 400 },
  },
  {
    name: 'Sec-WebSocket-Key of 15 bytes',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Key': randomBytes(15).toString('base64') })),
    expected: { http: 400 },
  },
  {
    name: 'Sec-WebSocket-Key not base64',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!==' })),
    expected: { http: 400 },
  },
];

const versionRefused = (response: UpgradeResponse) =>
  expect(response.headers.get('sec-websocket-version'), 'the refusal names the version spoken').toBe('13');

const versionCases = (): UpgradeCase[] => [
  {
    name: 'Sec-WebSocket-Version 99',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Version': '99' })),
    expected: { http: 426 },
    check: versionRefused,
  },
  {
    name: 'Sec-WebSocket-Version 8 (a 2011 draft)',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Version': '8' })),
    expected: { http: 426 },
    check: versionRefused,
  },
  {
    name: 'no Sec-WebSocket-Version',
    gateway: 'default',
    request: () => requestText(headers({ 'Sec-WebSocket-Version': undefined })),
    expected: { http: 426 },
    check: versionRefused,
  },
  {
    name: 'Sec-WebSocket-Version 13 on two lines',
    gateway: 'default',
    request: () => requestText(headers({}, [['Sec-WebSocket-Version', '13']])),
    expected: { http: 426 },
    check: versionRefused,
  },
];

function runCases(cases: () => UpgradeCase[]): void {
  it.each(cases().map((c) => ({ ...c, label: c.name })))(
    '$label',
    async ({ name, gateway, request, expected, check }) => {
      const text = request();
      const response = await upgrade(gateway, text);
      const lines = text.split('\r\n');
      suite.record(
        name,
        `${gateway === 'listed' ? 'allow-list gateway: ' : ''}${lines[0]}, ${lines.length - 3} header lines, ${text.length} bytes`,
        expected,
        answerOf(response),
      );
      if (response.status !== 101) {
        expect(response.ended, 'a refusal ends the connection').toBe(true);
        expect(response.headers.get('connection')?.toLowerCase(), 'a refusal says connection: close').toBe('close');
      }
      check?.(response);
      await suite.bystandersExchange(name);
      if (gateway === 'listed')
        expect(
          (await fetch(`http://127.0.0.1:${listed.port}/healthz`)).status,
          'the allow-list gateway still runs',
        ).toBe(200);
    },
  );
}

describe('hostile - Origin on the upgrade', () => runCases(originCases));
describe('hostile - Sec-WebSocket-Protocol', () => runCases(protocolCases));
describe('hostile - Sec-WebSocket-Extensions', () => {
  runCases(extensionCases);

  it('a compressed frame (RSV1) after a permessage-deflate offer closes 1002, never inflated', async () => {
    const tcp = await RawTcp.open(suite.port);
    tcp.write(requestText(headers({ 'Sec-WebSocket-Extensions': 'permessage-deflate; client_max_window_bits' })));
    await tcp.waitFor((text) => text.includes('\r\n\r\n'), 3000);
    const headEnd = tcp.text.indexOf('\r\n\r\n');
    const head = tcp.text.slice(0, headEnd);
    const frames = () => tcp.bytes.subarray(headEnd + 4);
    tcp.write(wsFrame(0x1, Buffer.from(JSON.stringify({ type: 'hello', token: await suite.token('deflater', 'd1') }))));
    await tcp.waitFor(() => serverTextFrames(frames()).some((text) => text.includes('"welcome"')), 3000);
    // A real deflated ping (trailing 00 00 ff ff dropped, as RFC 7692 does): inflated, it would be answered with a pong.
    const deflated = deflateRawSync(Buffer.from('{"type":"ping","id":"z1"}'), { flush: 2 }).subarray(0, -4);
    tcp.write(wsFrame(0x1, deflated, { rsv: 4 }));
    await tcp.waitFor(() => closeCodeIn(frames()) !== undefined, 3000);
    const code = closeCodeIn(frames());
    const ponged = serverTextFrames(frames()).some((text) => text.includes('"pong"'));
    const ended = await tcp.closedWithin(1000);
    tcp.destroy();
    expect(head.startsWith('HTTP/1.1 101'), 'upgraded').toBe(true);
    expect(head.toLowerCase(), 'no extension negotiated').not.toContain('sec-websocket-extensions');
    suite.record(
      'compressed frame (RSV1) after a permessage-deflate offer',
      'offer, hello, then a deflated ping with RSV1',
      { http: 101, close: 1002, cut: true },
      {
        http: 101,
        ...(ponged ? { reply: 'pong' } : {}),
        ...(code !== undefined ? { close: code } : {}),
        ...(ended ? { cut: true } : {}),
      },
    );
    await suite.bystandersExchange('compressed frame');
  });
});
describe('hostile - many, duplicate and missing headers', () => runCases(manyHeaderCases));
describe('hostile - Sec-WebSocket-Version', () => runCases(versionCases));
