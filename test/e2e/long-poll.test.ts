import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatClient, ChatError, type PresenceEvent, type TransportChoice } from '../../src/core/client/index.js';
import type { PushJob } from '../../src/core/push/push-job.js';
import { connectDevice, range, seqsOf, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, SERVICES, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * The HTTP long-poll transport against real gateway, fan-out and presence processes: a long-poll
 * device is a device like any other. Short timings keep it quick: heartbeat 200 ms, presence
 * timeout 1.5 s, grace 300 ms, polls held at most 2 s.
 */
const TIMEOUT_MS = 1500;
const timing = ['--heartbeat-ms', '200', '--presence-timeout-ms', String(TIMEOUT_MS), '--presence-grace-ms', '300'];
const cluster = new IsolatedCluster();
let gateway: RoleProcess;
const open: TestDevice[] = [];

const base = () => `http://127.0.0.1:${gateway.port}`;

async function device(user: string, name: string, transport: TransportChoice, urls?: string[]): Promise<TestDevice> {
  const connected = await connectDevice(cluster, [gateway], user, name, { transport, ...(urls ? { urls } : {}) });
  open.push(connected);
  return connected;
}

/** One raw HTTP exchange with the gateway, for what the client library never does on purpose. */
async function http(
  method: string,
  path: string,
  token: string | undefined,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${base()}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function queuedPushJobs(): Promise<PushJob[]> {
  const nc = await connect({ servers: SERVICES.nats });
  try {
    const jsm = await jetstreamManager(nc);
    const stream = `${cluster.namespace.toUpperCase()}_PUSH`;
    const info = await jsm.streams.info(stream).catch(() => undefined);
    if (!info) return [];
    const jobs: PushJob[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; seq++) {
      const message = await jsm.streams.getMessage(stream, { seq }).catch(() => undefined);
      if (message) jobs.push(message.json<PushJob>());
    }
    return jobs;
  } finally {
    await nc.close();
  }
}

/**
 * A TCP proxy in front of the gateway that, once armed, cuts the first server answer carrying
 * a `msg` frame half-way through (as a flaky mobile network does) and closes both sockets.
 */
class CuttingProxy {
  armed = false;
  cuts = 0;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly targetPort: () => number) {
    this.server = createServer((client) => {
      const upstream = netConnect(this.targetPort(), '127.0.0.1');
      this.sockets.add(client).add(upstream);
      client.on('data', (chunk) => upstream.write(chunk));
      upstream.on('data', (chunk: Buffer) => {
        if (this.armed && chunk.includes('"type":"msg"')) {
          this.armed = false;
          this.cuts++;
          client.write(chunk.subarray(0, Math.floor(chunk.length / 2)), () => {
            client.destroy();
            upstream.destroy();
          });
          return;
        }
        client.write(chunk);
      });
      const end = () => {
        client.destroy();
        upstream.destroy();
      };
      client.on('close', end).on('error', end);
      upstream.on('close', end).on('error', end);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  await cluster.start('presence', 'presence-1', timing);
  gateway = await cluster.start('gateway', 'gw-1', [
    ...timing,
    '--poll-timeout-ms',
    '2000',
    '--send-burst',
    '5',
    '--cors-origins',
    'https://app.example.com',
  ]);
  await cluster.waitReady(gateway);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((d) => d.close()));
  await cluster.tearDown();
});

describe('e2e - long-poll', () => {
  it('long-poll: a long-poll device and a WebSocket device of the same user both receive a conversation in order', async () => {
    const alice = await device('alice', 'laptop', 'ws');
    const bobPoll = await device('bob', 'browser', 'longpoll');
    const bobSocket = await device('bob', 'phone', 'ws');
    const room = await alice.client.createDirect('bob');
    // Both sides write without waiting for each ack (in bursts within the send burst of 5); each
    // side's order must hold, and the room's seqs must reach every device once, in order.
    for (let burst = 0; burst < 4; burst++) {
      const sends: Array<Promise<unknown>> = [];
      for (let i = burst * 5; i < burst * 5 + 5; i++) {
        sends.push(alice.client.send(room.id, `a${i}`));
        sends.push(bobPoll.client.send(room.id, `b${i}`));
      }
      await Promise.all(sends);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const seen of [alice, bobPoll, bobSocket]) {
      const timeline = await seen.waitForCount(room.id, 40);
      expect(seqsOf(timeline), `${seen.user}/${seen.device}`).toEqual(range(1, 40));
      expect(timeline.filter((m) => m.sender === 'alice').map((m) => m.body)).toEqual(range(0, 19).map((i) => `a${i}`));
      expect(timeline.filter((m) => m.sender === 'bob').map((m) => m.body)).toEqual(range(0, 19).map((i) => `b${i}`));
    }
    expect(bobPoll.timeline(room.id)).toEqual(bobSocket.timeline(room.id));
    // Read state reaches the long-poll device too.
    await bobSocket.client.markRead(room.id, 40);
    await waitFor(
      () => bobPoll.reads.some((r) => r.room === room.id && r.user === 'bob' && r.seq === 40),
      5000,
      'the read on the long-poll device',
    );
  });

  it('long-poll: a poll answer cut mid-way is retried with its cursor and neither loses nor duplicates', async () => {
    const proxy = new CuttingProxy(() => gateway.port);
    const proxyPort = await proxy.listen();
    try {
      const carol = await device('carol', 'laptop', 'ws');
      const dan = await device('dan', 'browser', 'longpoll', [`http://127.0.0.1:${proxyPort}`]);
      const states: string[] = [];
      const retries: string[] = [];
      dan.client.on('state', (change) => states.push(change.state));
      dan.client.on('error', (error: ChatError) => retries.push(error.message));
      const room = await carol.client.createDirect('dan');
      await carol.client.send(room.id, 'before');
      await dan.waitForCount(room.id, 1);
      proxy.armed = true;
      for (let i = 0; i < 10; i++) await carol.client.send(room.id, `m${i}`);
      const timeline = await dan.waitForCount(room.id, 11);
      expect(proxy.cuts).toBe(1);
      expect(seqsOf(timeline)).toEqual(range(1, 11));
      expect(timeline.map((m) => m.body)).toEqual(['before', ...range(0, 9).map((i) => `m${i}`)]);
      // The retry happened inside the session: no reconnect, no sync was needed.
      expect(retries.some((message) => /poll failed \(retrying with cursor \d+\)/.test(message))).toBe(true);
      expect(states).not.toContain('reconnecting');
    } finally {
      await proxy.close();
    }
  });

  it('long-poll: the same cursor gets the same frames again; the next cursor acknowledges them', async () => {
    const token = await cluster.token('erin', 'browser');
    const created = await http('POST', '/v1/sessions', token);
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({
      cursor: 1,
      frames: [{ type: 'welcome', user: 'erin', device: 'browser' }],
      pollTimeoutMs: 2000,
    });
    const session = created.json.session as string;
    const sent = await http('POST', `/v1/frames?session=${session}`, token, [
      { type: 'ping', id: 'p1' },
      { type: 'nonsense', id: 'p2' },
      { type: 'ping', id: 'p3' },
    ]);
    expect(sent).toEqual({ status: 202, json: { accepted: 3 } });
    const first = await http('GET', `/v1/poll?session=${session}&cursor=1&wait=1000`, token);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The answer was "lost": ask again with the same cursor.
    const again = await http('GET', `/v1/poll?session=${session}&cursor=1&wait=0`, token);
    expect(again.json).toEqual(first.json);
    const frames = (again.json.frames as Array<Record<string, unknown>>).map(
      (f) => `${String(f.type)}:${String(f.id)}`,
    );
    expect(frames).toEqual(['pong:p1', 'error:p2', 'pong:p3']);
    expect(again.json.cursor).toBe(4);
    const next = await http('GET', `/v1/poll?session=${session}&cursor=4&wait=0`, token);
    expect(next).toEqual({ status: 200, json: { cursor: 4, frames: [] } });
    const behind = await http('GET', `/v1/poll?session=${session}&cursor=1&wait=0`, token);
    expect(behind.status).toBe(400);
    expect(behind.json).toMatchObject({ type: 'error', code: 'bad_frame' });
    // A held poll shows in /metrics, and a DELETE answers it with the close.
    const held = http('GET', `/v1/poll?session=${session}&cursor=4&wait=2000`, token);
    await waitFor(
      async () =>
        /chat_gateway_long_poll_held_polls\{[^}]*\} [1-9]/.test(
          await (await fetch(`${cluster.adminUrl(gateway)}/metrics`)).text(),
        ),
      1500,
      'the held poll in /metrics',
    );
    expect(await http('DELETE', `/v1/sessions?session=${session}`, token)).toEqual({ status: 204, json: {} });
    expect((await held).json).toEqual({
      cursor: 4,
      frames: [],
      closed: { code: 1000, reason: 'closed by the client' },
    });
  });

  it('long-poll: a device that stops polling goes offline after the presence timeout, then gets push jobs', async () => {
    const frank = await device('frank', 'laptop', 'ws');
    const seen: Array<{ user: string; status: string }> = [];
    frank.client.on('presence', (event: PresenceEvent) => seen.push(...event.users));
    const room = await frank.client.createDirect('gina');
    // A group in common shows gina's presence to frank (a direct room would once gina wrote in it).
    await frank.client.createGroup('frank+gina', ['gina']);
    const token = await cluster.token('gina', 'browser');
    const created = await http('POST', '/v1/sessions', token);
    const session = created.json.session as string;
    await http('POST', `/v1/frames?session=${session}`, token, [
      { type: 'push.register', id: 'r', platform: 'fcm', token: 'fcm-gina-browser' },
    ]);
    const registered = await http('GET', `/v1/poll?session=${session}&cursor=1&wait=1000`, token);
    expect(registered.json.frames).toEqual([{ type: 'ok', id: 'r' }]);
    await waitFor(() => seen.some((p) => p.user === 'gina' && p.status === 'online'), 5000, 'gina online');
    // Keep polling for longer than the presence timeout: still online.
    let cursor = registered.json.cursor as number;
    const pollUntil = Date.now() + TIMEOUT_MS + 500;
    while (Date.now() < pollUntil)
      cursor = (await http('GET', `/v1/poll?session=${session}&cursor=${cursor}&wait=400`, token)).json
        .cursor as number;
    expect(seen.filter((p) => p.user === 'gina').map((p) => p.status)).toEqual(['online']);
    // Stop polling: offline after the presence timeout (plus a heartbeat and the grace).
    const stoppedAt = Date.now();
    await waitFor(() => seen.some((p) => p.user === 'gina' && p.status === 'offline'), 6000, 'gina offline');
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(TIMEOUT_MS);
    const gone = await http('GET', `/v1/poll?session=${session}&cursor=${cursor}&wait=0`, token);
    expect(gone.json).toMatchObject({ frames: [], closed: { code: 4408 } });
    const ack = await frank.client.send(room.id, 'are you there?');
    await waitFor(
      async () => (await queuedPushJobs()).some((job) => job.device === 'browser'),
      5000,
      'a push job for gina/browser',
    );
    expect((await queuedPushJobs()).find((job) => job.device === 'browser')).toMatchObject({
      user: 'gina',
      token: 'fcm-gina-browser',
      seq: ack.seq,
      body: 'are you there?',
    });
  });

  it('long-poll: bad tokens and non-members are refused as on a WebSocket', async () => {
    const outcome = async (transport: 'ws' | 'longpoll', token: string) => {
      const client = new ChatClient({ urls: [cluster.wsUrl(gateway)], token, transport, autoReconnect: false });
      client.on('error', () => {});
      try {
        return await client.connect();
      } catch (error) {
        return error;
      } finally {
        await client.close();
      }
    };
    for (const token of ['not-a-jwt', await cluster.token('hal', 'old', -10)]) {
      const [ws, lp] = [await outcome('ws', token), await outcome('longpoll', token)];
      expect(lp).toBeInstanceOf(ChatError);
      expect((lp as ChatError).code).toBe('unauthorized');
      expect((lp as ChatError).message).toBe((ws as ChatError).message);
    }
    const noHeader = await http('POST', '/v1/sessions', undefined);
    expect(noHeader.status).toBe(401);
    expect(noHeader.json).toMatchObject({ type: 'error', code: 'unauthorized' });

    const owner = await device('ivy', 'laptop', 'ws');
    const group = await owner.client.createGroup('private', ['jon']);
    const failures = async (transport: 'ws' | 'longpoll') => {
      const stranger = await device('kim', transport === 'ws' ? 'phone' : 'browser', transport);
      const codes: string[] = [];
      for (const attempt of [
        () => stranger.client.send(group.id, 'let me in'),
        () => stranger.client.history(group.id),
        () => stranger.client.markRead(group.id, 1),
      ]) {
        const error = await attempt().then(
          () => undefined,
          (e: unknown) => e,
        );
        codes.push(error instanceof ChatError ? `${error.code}: ${error.message}` : String(error));
      }
      return codes;
    };
    const viaSocket = await failures('ws');
    expect(viaSocket.every((line) => line.startsWith('forbidden'))).toBe(true);
    expect(await failures('longpoll')).toEqual(viaSocket);
  });

  it('long-poll: limits and errors are answered with JSON errors and the same codes', async () => {
    const token = await cluster.token('lou', 'browser');
    const session = (await http('POST', '/v1/sessions', token)).json.session as string;
    const other = await cluster.token('lou', 'phone');
    expect((await http('GET', `/v1/poll?session=${session}&cursor=1&wait=0`, other)).json).toMatchObject({
      code: 'forbidden',
    });
    expect((await http('GET', `/v1/poll?session=nope&cursor=0`, token)).status).toBe(404);
    expect((await http('GET', `/v1/poll?session=${session}&cursor=x`, token)).json).toMatchObject({
      code: 'bad_frame',
    });
    expect((await http('POST', `/v1/frames?session=${session}`, token, '{not json')).json).toMatchObject({
      code: 'bad_frame',
    });
    expect((await http('POST', `/v1/frames?session=${session}`, token, { type: 'ping' })).json).toMatchObject({
      code: 'bad_frame',
    });
    const huge = await http('POST', `/v1/frames?session=${session}`, token, [
      { type: 'send', room: 'r', clientMsgId: 'c', body: 'x'.repeat(20_000) },
    ]);
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ type: 'error', code: 'too_large' });
    const tooMany = await http(
      'POST',
      `/v1/frames?session=${session}`,
      token,
      Array.from({ length: 101 }, (_, i) => ({ type: 'ping', id: `p${i}` })),
    );
    expect(tooMany.json).toMatchObject({ code: 'too_large' });
    // The send rate limit is the WebSocket's (burst 5 here): the sixth send of a burst is refused.
    const room = (await (await device('mia', 'laptop', 'ws')).client.createDirect('lou')).id;
    const sends = Array.from({ length: 6 }, (_, i) => ({
      type: 'send',
      id: `s${i}`,
      room,
      clientMsgId: `lou-${i}`,
      body: `${i}`,
    }));
    await http('POST', `/v1/frames?session=${session}`, token, sends);
    const answers: Array<Record<string, unknown>> = [];
    let cursor = 1;
    await waitFor(
      async () => {
        const polled = await http('GET', `/v1/poll?session=${session}&cursor=${cursor}&wait=500`, token);
        cursor = polled.json.cursor as number;
        answers.push(...(polled.json.frames as Array<Record<string, unknown>>));
        return answers.filter((f) => f.type === 'ack' || f.code === 'rate_limited').length === 6;
      },
      5000,
      'five acks and one rate_limited',
    );
    expect(answers.filter((f) => f.type === 'ack').map((f) => f.id)).toEqual(['s0', 's1', 's2', 's3', 's4']);
    expect(answers.find((f) => f.code === 'rate_limited')).toMatchObject({
      id: 's5',
      retryAfterMs: expect.any(Number),
    });
    // Browsers: the configured origin gets CORS headers, others none.
    const preflight = await fetch(`${base()}/v1/frames`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const foreign = await fetch(`${base()}/v1/poll?session=${session}&cursor=${cursor}&wait=0`, {
      headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` },
    });
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('long-poll: behind gateway --workers 2, requests that reach the other worker are forwarded to the session', async () => {
    const node = await cluster.start('gateway', 'gw-workers', [
      ...timing,
      '--workers',
      '2',
      '--poll-timeout-ms',
      '2000',
    ]);
    const token = await cluster.token('pia', 'browser');
    // A new TCP connection per request: the primary deals connections to the workers in turn.
    const fresh = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${node.port}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, connection: 'close' },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      return { status: response.status, json: (await response.json()) as Record<string, unknown> };
    };
    const created = await fresh('POST', '/v1/sessions');
    const session = created.json.session as string;
    let cursor = created.json.cursor as number;
    for (let i = 0; i < 4; i++) {
      expect((await fresh('POST', `/v1/frames?session=${session}`, [{ type: 'ping', id: `w${i}` }])).status).toBe(202);
      const polled = await fresh('GET', `/v1/poll?session=${session}&cursor=${cursor}&wait=1000`);
      expect(polled.status).toBe(200);
      expect(polled.json.frames).toEqual([{ type: 'pong', id: `w${i}` }]);
      cursor = polled.json.cursor as number;
    }
    // And the client library on a long-poll session over the two workers, beside a WebSocket device.
    const quinn = await connectDevice(cluster, [node], 'quinn', 'browser', { transport: 'longpoll' });
    const rae = await connectDevice(cluster, [node], 'rae', 'phone');
    open.push(quinn, rae);
    const room = await rae.client.createDirect('quinn');
    for (let i = 0; i < 5; i++) {
      await rae.client.send(room.id, `r${i}`);
      await quinn.client.send(room.id, `q${i}`);
    }
    for (const seen of [quinn, rae]) expect(seqsOf(await seen.waitForCount(room.id, 10))).toEqual(range(1, 10));
    expect(quinn.bodies(room.id)).toEqual(['r0', 'q0', 'r1', 'q1', 'r2', 'q2', 'r3', 'q3', 'r4', 'q4']);
  });

  it('long-poll: on SIGTERM a gateway ends its long-poll sessions with goaway and 1012; the client moves on and misses nothing', async () => {
    const leaving = await cluster.start('gateway', 'gw-leaving', timing);
    const sid = await device('sid', 'laptop', 'ws');
    const tess = await connectDevice(cluster, [leaving], 'tess', 'browser', {
      transport: 'longpoll',
      urls: [cluster.wsUrl(leaving), cluster.wsUrl(gateway)],
    });
    open.push(tess);
    const states: Array<{ state: string; reconnectInMs?: number }> = [];
    tess.client.on('state', (change) => states.push(change));
    const room = await sid.client.createDirect('tess');
    for (let i = 0; i < 3; i++) await sid.client.send(room.id, `before ${i}`);
    await tess.waitForCount(room.id, 3);
    const exit = leaving.kill('SIGTERM');
    await waitFor(
      () => states.some((s) => s.state === 'reconnecting' && (s.reconnectInMs ?? 0) >= 250),
      5000,
      'a goaway-driven reconnect',
    );
    for (let i = 0; i < 3; i++) await sid.client.send(room.id, `during ${i}`);
    expect(await exit).toBe(0);
    await waitFor(() => tess.client.state === 'live', 10_000, 'the long-poll client live on the other gateway');
    await sid.client.send(room.id, 'after');
    expect(seqsOf(await tess.waitForCount(room.id, 7))).toEqual(range(1, 7));
  });

  it("long-poll: transport 'auto' falls back to long-poll when the WebSocket upgrade is refused", async () => {
    // A URL whose WebSocket path does not exist: the upgrade answers 404, long-poll works.
    const noa = await device('noa', 'browser', 'auto', [`ws://127.0.0.1:${gateway.port}/v1/ws-stripped`]);
    const omar = await device('omar', 'laptop', 'ws');
    const room = await omar.client.createDirect('noa');
    await omar.client.send(room.id, 'hello through a proxy');
    expect((await noa.waitForCount(room.id, 1)).map((m) => m.body)).toEqual(['hello through a proxy']);
  });
});
