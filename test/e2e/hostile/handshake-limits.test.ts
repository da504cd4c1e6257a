import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RoleProcess } from '../../support/isolated-cluster.js';
import { waitFor } from '../../support/isolated-cluster.js';
import { HostileSuite, type Answer } from './support/hostile-suite.js';
import {
  RawTcp,
  RawWebSocket,
  closeCodeIn,
  httpExchange,
  serverTextFrames,
  upgradeRequest,
  wsFrame,
} from './support/raw-socket.js';

/**
 * The handshake's own limits: how many WebSockets one client address may hold upgraded but
 * without hello (--max-pending-per-ip, 5 here), and how much a client may send between its hello
 * and the welcome. Above the first, upgrades get HTTP 429 and long-poll session creation 429
 * `rate_limited`, for that address only, and only while its sockets wait for hello; above the
 * second, `too_large` and close 4413. Clients that say hello at once are never refused, and a
 * gateway with the default cap takes a burst of simultaneous connects from one address.
 */
const MAX_PENDING = 5;
// Long enough that the sockets a case fills the address with still wait while it runs.
const HELLO_TIMEOUT_MS = 6000;
const OTHER_ADDRESS = '127.0.0.2';
const suite = new HostileSuite('handshake limits');
const opened: RawWebSocket[] = [];

beforeAll(async () => {
  await suite.start(['--max-pending-per-ip', String(MAX_PENDING), '--hello-timeout-ms', String(HELLO_TIMEOUT_MS)]);
}, 60_000);

afterAll(async () => {
  for (const ws of opened) ws.close();
  await suite.stop();
}, 60_000);

/** A WebSocket that is upgraded and then says nothing. */
async function silent(localAddress?: string): Promise<RawWebSocket> {
  const ws = await RawWebSocket.open(suite.url, undefined, localAddress);
  opened.push(ws);
  return ws;
}

/** A WebSocket upgrade over raw TCP: the status it got, and its Retry-After. */
async function upgradeStatus(localAddress?: string): Promise<{ status: number; retryAfter?: string }> {
  const tcp = await RawTcp.open(suite.port, localAddress);
  tcp.write(upgradeRequest());
  await tcp.waitFor((text) => text.includes('\r\n\r\n'), 3000);
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(tcp.text)?.[1] ?? 0);
  const retryAfter = /\r\nretry-after: *(\S+)/i.exec(tcp.text)?.[1];
  tcp.destroy();
  return { status, ...(retryAfter ? { retryAfter } : {}) };
}

/** Opens a socket and sends hello at once; how the handshake ended. */
async function prompt(user: string, device: string, url = suite.url, localAddress?: string): Promise<Answer> {
  const ws = await RawWebSocket.open(url, undefined, localAddress).catch((error: Error) => error);
  if (ws instanceof Error) return { http: Number(/\d{3}/.exec(ws.message)?.[0] ?? 0) };
  opened.push(ws);
  ws.sendJson({ type: 'hello', token: await suite.token(user, device) });
  const frame = await ws.next((f) => f.type === 'welcome' || f.type === 'error', 10_000).catch(() => undefined);
  ws.close();
  if (frame?.type === 'welcome') return { reply: 'welcome' };
  return frame ? { error: frame.code as Answer['error'] } : { cut: true };
}

/** The gateway's count of WebSockets without hello (its /metrics gauge). */
async function pendingOnGateway(): Promise<number> {
  const text = await (await fetch(`${suite.cluster.adminUrl(suite.gateway)}/metrics`)).text();
  return Number(/^chat_gateway_pending_handshakes(?:\{[^}]*\})? (\d+)$/m.exec(text)?.[1] ?? Number.NaN);
}

/** Closes `sockets` and waits until the gateway counts `expected` sockets without hello. */
async function settle(sockets: RawWebSocket[], expected = 0): Promise<void> {
  for (const ws of sockets) ws.close();
  await waitFor(
    async () => (await pendingOnGateway()) === expected,
    5000,
    `${expected} sockets without hello on the gateway`,
  );
}

describe('hostile - WebSockets without hello from one address', () => {
  let waiting: RawWebSocket[] = [];

  /** Exactly `n` fresh sockets of 127.0.0.1 waiting for hello. */
  async function fill(n: number): Promise<void> {
    await settle(waiting);
    waiting = await Promise.all(Array.from({ length: n }, () => silent()));
  }

  it(`upgrade ${MAX_PENDING + 1} from an address holding ${MAX_PENDING} sockets without hello is refused 429 with Retry-After`, async () => {
    await fill(MAX_PENDING);
    expect(await pendingOnGateway(), 'the gauge counts them').toBe(MAX_PENDING);
    const refused = await upgradeStatus();
    suite.record(
      `upgrade ${MAX_PENDING + 1} while ${MAX_PENDING} wait for hello (limit ${MAX_PENDING})`,
      'upgrade, no hello',
      { http: 429 },
      { http: refused.status },
    );
    expect(refused.retryAfter).toBe('1');
    expect(
      waiting.every((ws) => ws.isOpen),
      'the waiting sockets themselves are not touched',
    ).toBe(true);
    await suite.bystandersExchange('pending cap');
  });

  it('long-poll session creation from the full address is refused 429 rate_limited with retryAfterMs', async () => {
    await fill(MAX_PENDING);
    const answer = await httpExchange(suite.port, 'POST', '/v1/sessions', {
      token: await suite.token('lp-user', 'browser'),
    });
    suite.record(
      'POST /v1/sessions while the address is full',
      'POST /v1/sessions with a valid token',
      { http: 429, error: 'rate_limited' },
      {
        http: answer.status,
        error: answer.json.code as Answer['error'],
      },
    );
    expect(answer.json.retryAfterMs).toBe(1000);
    expect(answer.headers['retry-after']).toBe('1');
    await suite.bystandersExchange('pending cap long-poll');
  });

  it('another client address is not affected: it upgrades, says hello and opens a long-poll session', async () => {
    await fill(MAX_PENDING);
    const ws = await prompt('neighbour', 'n1', suite.url, OTHER_ADDRESS);
    const session = await httpExchange(suite.port, 'POST', '/v1/sessions', {
      token: await suite.token('neighbour', 'n2'),
      localAddress: OTHER_ADDRESS,
    });
    suite.record(
      `WebSocket and long-poll from ${OTHER_ADDRESS} while 127.0.0.1 is full`,
      'upgrade + hello; POST /v1/sessions',
      { reply: 'welcome', http: 201 },
      {
        ...ws,
        http: session.status,
      },
    );
    await httpExchange(suite.port, 'DELETE', `/v1/sessions?session=${String(session.json.session)}`, {
      token: await suite.token('neighbour', 'n2'),
      localAddress: OTHER_ADDRESS,
    });
    await suite.bystandersExchange('other address');
  });

  it('a waiting socket that says hello gives its slot back (only sockets without hello count)', async () => {
    await fill(MAX_PENDING);
    const speaker = waiting.shift()!;
    speaker.sendJson({ type: 'hello', token: await suite.token('late-speaker', 'd1') });
    const welcome = await speaker.next((f) => f.type === 'welcome' || f.type === 'error', 5000);
    const next = await upgradeStatus();
    suite.record(
      'upgrade after one of the waiting sockets said hello',
      'hello on a waiting socket, then an upgrade',
      { reply: 'welcome', http: 101 },
      {
        reply: String(welcome.type),
        http: next.status,
      },
    );
    await suite.bystandersExchange('slot back after hello');
  });

  it('a waiting socket that closes gives its slot back', async () => {
    await fill(MAX_PENDING);
    await settle([waiting.shift()!], MAX_PENDING - 1);
    const next = await upgradeStatus();
    suite.record(
      'upgrade after one of the waiting sockets closed',
      'close a waiting socket, then an upgrade',
      { http: 101 },
      { http: next.status },
    );
    await suite.bystandersExchange('slot back after close');
  });

  it('while 4 sockets wait, 20 clients that say hello at once are all welcomed, one after another', async () => {
    await fill(MAX_PENDING - 1);
    const answers: Answer[] = [];
    for (let i = 0; i < 20; i++) answers.push(await prompt(`prompt-${i}`, 'd1'));
    const welcomed = answers.filter((a) => a.reply === 'welcome').length;
    suite.record(
      `20 prompt hellos while ${MAX_PENDING - 1} sockets wait (limit ${MAX_PENDING})`,
      '20 x (upgrade + hello at once)',
      { reply: '20 welcome' },
      {
        reply: `${welcomed} welcome`,
      },
    );
    await suite.bystandersExchange('prompt hellos');
  });

  it('the waiting sockets are closed 4401 at the hello timeout, and the address upgrades again', async () => {
    await fill(MAX_PENDING);
    const closes = await Promise.all(waiting.map((ws) => ws.closedWithin(HELLO_TIMEOUT_MS + 3000)));
    const codes = [...new Set(closes.map((closed) => closed?.code ?? 0))];
    await waitFor(async () => (await pendingOnGateway()) === 0, 3000, 'the timed-out sockets to leave the count');
    const after = await upgradeStatus();
    suite.record(
      'address after its waiting sockets timed out',
      'wait out the hello timeout, then upgrade',
      { close: 4401, http: 101 },
      {
        ...(codes.length === 1 && codes[0] ? { close: codes[0] } : { open: true }),
        http: after.status,
      },
    );
    await suite.bystandersExchange('after the hello timeout');
  });

  it('30 silent upgrades at once from one address: 5 get in, the rest are refused 429', async () => {
    await settle(waiting);
    const attempts = await Promise.all(
      Array.from({ length: 30 }, () =>
        silent().then(
          (ws) => ws,
          () => undefined,
        ),
      ),
    );
    const got = attempts.filter((ws) => ws !== undefined).length;
    suite.record(
      '30 silent upgrades at once (limit 5)',
      '30 upgrades, no hello',
      { reply: `${MAX_PENDING} upgraded, 25 refused` },
      { reply: `${got} upgraded, ${30 - got} refused` },
    );
    await settle(attempts.filter((ws) => ws !== undefined));
    await suite.bystandersExchange('silent stampede');
  });
});

describe('hostile - the hello timeout spans the upgrade', () => {
  it('upgrade headers trickled for 4 s, then no hello: closed 4401 at the hello timeout counted from the TCP connect', async () => {
    const tcp = await RawTcp.open(suite.port);
    const started = Date.now();
    const lines = upgradeRequest()
      .split('\r\n')
      .filter((line) => line !== '');
    for (const line of lines) {
      tcp.write(`${line}\r\n`);
      await new Promise((resolve) => setTimeout(resolve, 4000 / lines.length));
    }
    tcp.write('\r\n');
    // The WebSocket frames follow the 101 answer's head.
    const frameBytes = () => tcp.bytes.subarray(tcp.text.indexOf('\r\n\r\n') + 4);
    await tcp.waitFor(
      () => tcp.text.includes('\r\n\r\n') && closeCodeIn(frameBytes()) !== undefined,
      HELLO_TIMEOUT_MS + 3000,
    );
    const elapsedMs = Date.now() - started;
    const upgraded = tcp.text.startsWith('HTTP/1.1 101');
    const code = closeCodeIn(frameBytes());
    const error = serverTextFrames(frameBytes())
      .map((text) => JSON.parse(text) as Record<string, unknown>)
      .find((f) => f.type === 'error');
    tcp.destroy();
    suite.record(
      'upgrade headers over 4 s, then no hello',
      `${lines.length} header lines, one per ${Math.round(4000 / lines.length)} ms`,
      { http: 101, error: 'unauthorized', close: 4401 },
      {
        ...(upgraded ? { http: 101 } : {}),
        ...(error ? { error: error.code as Answer['error'] } : {}),
        ...(code !== undefined ? { close: code } : {}),
      },
    );
    // Counted from the upgrade instead, the close would come at about 4 s + the hello timeout.
    expect(elapsedMs, 'closed at the hello timeout after the TCP connect').toBeLessThan(HELLO_TIMEOUT_MS + 1500);
    await suite.bystandersExchange('trickled upgrade');
  });
});

describe('hostile - the hello timeout on a reused connection', () => {
  it('a kept-alive connection busy for longer than the hello timeout (a proxy reusing it) still upgrades and says hello', async () => {
    const tcp = await RawTcp.open(suite.port);
    const started = Date.now();
    while (Date.now() - started < HELLO_TIMEOUT_MS + 1000) {
      const before = tcp.text.length;
      tcp.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await tcp.waitFor((text) => text.length > before && text.endsWith('}'), 3000);
      await new Promise((resolve) => setTimeout(resolve, 1500));
    }
    const before = tcp.bytes.length;
    tcp.write(upgradeRequest());
    await tcp.waitFor((text) => text.slice(before).includes('\r\n\r\n'), 3000);
    const head = tcp.bytes.length;
    tcp.write(wsFrame(0x1, Buffer.from(JSON.stringify({ type: 'hello', token: await suite.token('proxied', 'p1') }))));
    await tcp.waitFor(
      () =>
        serverTextFrames(tcp.bytes.subarray(head)).length > 0 || closeCodeIn(tcp.bytes.subarray(head)) !== undefined,
      3000,
    );
    const first = serverTextFrames(tcp.bytes.subarray(head)).map(
      (text) => JSON.parse(text) as Record<string, unknown>,
    )[0];
    tcp.destroy();
    expect(tcp.text.slice(before).startsWith('HTTP/1.1 101'), 'upgraded').toBe(true);
    expect(first?.type, 'welcomed, not cut for a hello timeout that began with the connection').toBe('welcome');
  });
});

describe('hostile - a connect burst on the default cap', () => {
  let defaults: RoleProcess;

  beforeAll(async () => {
    defaults = await suite.cluster.start('gateway', 'gw-default');
  }, 60_000);

  it('300 clients of one address connecting at once, each saying hello at once, are all welcomed', async () => {
    const url = suite.cluster.wsUrl(defaults);
    const answers = await Promise.all(Array.from({ length: 300 }, (_, i) => prompt(`burst-${i}`, 'd1', url)));
    const tally = new Map<string, number>();
    for (const answer of answers) {
      const key = answer.reply ?? (answer.http ? `HTTP ${answer.http}` : (answer.error ?? 'cut'));
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    suite.record(
      '300 simultaneous connects + hello from 127.0.0.1 (default limit 1000)',
      '300 x (upgrade + hello at once)',
      { reply: '300 welcome' },
      {
        reply: [...tally].map(([key, n]) => `${n} ${key}`).join(', '),
      },
    );
    await suite.bystandersExchange('connect burst');
  });
});

/** A raw TCP WebSocket with hello and `frames` written in one go, before the server can answer. */
async function helloThen(frames: Buffer[], device: string): Promise<RawTcp> {
  const tcp = await RawTcp.upgraded(suite.port);
  const hello = wsFrame(0x1, Buffer.from(JSON.stringify({ type: 'hello', token: await suite.token('eager', device) })));
  tcp.write(Buffer.concat([hello, ...frames]));
  return tcp;
}

/** What came back on a raw TCP WebSocket: its server text frames (as JSON) and close code. */
async function rawAnswer(
  tcp: RawTcp,
  done: (frames: Array<Record<string, unknown>>) => boolean,
): Promise<{ frames: Array<Record<string, unknown>>; close?: number }> {
  const frames = () => serverTextFrames(tcp.bytes).map((text) => JSON.parse(text) as Record<string, unknown>);
  await tcp.waitFor(() => closeCodeIn(tcp.bytes) !== undefined || done(frames()), 5000);
  const code = closeCodeIn(tcp.bytes);
  return { frames: frames(), ...(code !== undefined ? { close: code } : {}) };
}

const ping = (i: number) => wsFrame(0x1, Buffer.from(JSON.stringify({ type: 'ping', id: `e${i}` })));

describe('hostile - frames between hello and welcome', () => {
  it('hello followed at once by 101 frames: too_large and close 4413, no welcome', async () => {
    const tcp = await helloThen(
      Array.from({ length: 101 }, (_, i) => ping(i)),
      'e101',
    );
    const { frames, close } = await rawAnswer(tcp, () => false);
    tcp.destroy();
    const error = frames.find((f) => f.type === 'error');
    suite.record(
      'hello + 101 frames before welcome (limit 100)',
      '102 frames in one write',
      { error: 'too_large', close: 4413 },
      {
        ...(error ? { error: error.code as Answer['error'] } : {}),
        ...(frames.some((f) => f.type === 'welcome') ? { reply: 'welcome' } : {}),
        ...(close !== undefined ? { close } : {}),
      },
    );
    await suite.bystandersExchange('101 early frames');
  });

  it('hello followed at once by 9 frames of 15,000 bytes (over 131072 bytes): too_large and close 4413', async () => {
    const padded = (i: number) =>
      wsFrame(0x1, Buffer.from(JSON.stringify({ type: 'ping', id: `b${i}`, pad: 'p'.repeat(14_960) })));
    const tcp = await helloThen(
      Array.from({ length: 9 }, (_, i) => padded(i)),
      'ebytes',
    );
    const { frames, close } = await rawAnswer(tcp, () => false);
    tcp.destroy();
    const error = frames.find((f) => f.type === 'error');
    suite.record(
      'hello + 9 x 15 KB frames before welcome (limit 131072 bytes)',
      '10 frames in one write',
      { error: 'too_large', close: 4413 },
      {
        ...(error ? { error: error.code as Answer['error'] } : {}),
        ...(frames.some((f) => f.type === 'welcome') ? { reply: 'welcome' } : {}),
        ...(close !== undefined ? { close } : {}),
      },
    );
    await suite.bystandersExchange('early bytes');
  });

  it('hello followed at once by exactly 100 frames: welcome, then 100 pongs in order', async () => {
    const tcp = await helloThen(
      Array.from({ length: 100 }, (_, i) => ping(i)),
      'e100',
    );
    const { frames, close } = await rawAnswer(tcp, (got) => got.filter((f) => f.type === 'pong').length === 100);
    tcp.destroy();
    const pongs = frames.filter((f) => f.type === 'pong').map((f) => f.id);
    const inOrder = JSON.stringify(pongs) === JSON.stringify(Array.from({ length: 100 }, (_, i) => `e${i}`));
    suite.record(
      'hello + 100 frames before welcome (limit 100)',
      '101 frames in one write',
      { reply: 'welcome, 100 pong in order', open: true },
      {
        reply: `${String(frames[0]?.type)}, ${pongs.length} pong${inOrder ? ' in order' : ''}`,
        ...(close !== undefined ? { close } : { open: true }),
      },
    );
    await suite.bystandersExchange('100 early frames');
  });
});
