import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TcpFaultProxy } from '../../src/faults/tcp-proxy.js';

/** A real echo server, and a "blob" server that streams bytes as fast as the socket takes them. */
let echo: Server;
let blob: Server;
const open: Socket[] = [];
let proxy: TcpFaultProxy | undefined;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  echo = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  blob = createServer((socket) => {
    socket.on('error', () => undefined);
    const chunk = Buffer.alloc(16 * 1024, 7);
    const pump = () => {
      while (!socket.destroyed && socket.write(chunk));
    };
    socket.on('drain', pump);
    pump();
  });
  await Promise.all([listen(echo), listen(blob)]);
});

afterEach(async () => {
  for (const socket of open.splice(0)) socket.destroy();
  await proxy?.close();
  proxy = undefined;
});

afterAll(async () => {
  await new Promise((resolve) => echo.close(resolve));
  await new Promise((resolve) => blob.close(resolve));
});

async function proxyTo(server: Server): Promise<TcpFaultProxy> {
  proxy = await TcpFaultProxy.start({ targetHost: '127.0.0.1', targetPort: (server.address() as AddressInfo).port });
  return proxy;
}

/** A client socket through the proxy that records what it receives and how it ends. */
async function client(p: TcpFaultProxy): Promise<{
  socket: Socket;
  received: () => string;
  bytes: () => number;
  error: () => string | undefined;
  closed: () => boolean;
}> {
  const socket = connect({ host: p.host, port: p.port });
  open.push(socket);
  let text = '';
  let bytes = 0;
  let error: string | undefined;
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (text.length < 1000) text += chunk.toString('latin1');
  });
  socket.on('error', (e: NodeJS.ErrnoException) => (error = e.code));
  socket.on('close', () => (closed = true));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, bytes: () => bytes, error: () => error, closed: () => closed };
}

async function until(check: () => boolean, timeoutMs = 2_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** Round trip of one small message through the echo server, in ms. */
async function roundTrip(c: Awaited<ReturnType<typeof client>>, text: string): Promise<number> {
  const before = c.received().length;
  const started = performance.now();
  c.socket.write(text);
  await until(() => c.received().length >= before + text.length, 5_000);
  return performance.now() - started;
}

describe('tcp fault proxy', () => {
  it('pass forwards both ways and counts the bytes', async () => {
    const p = await proxyTo(echo);
    const c = await client(p);
    await roundTrip(c, 'hello');
    expect(c.received()).toBe('hello');
    expect(p.stats()).toMatchObject({ open: 1, accepted: 1, bytesUp: 5, bytesDown: 5 });
    expect(p.liveConnections()).toHaveLength(1);
  });

  it('latency delays each direction it is set on, and keeps order', async () => {
    const p = await proxyTo(echo);
    const c = await client(p);
    const base = await roundTrip(c, 'a');
    await p.setMode({ kind: 'latency', ms: 150, jitterMs: 30, direction: 'up' });
    const upOnly = await roundTrip(c, 'b');
    await p.setMode({ kind: 'latency', ms: 150 });
    const both = await roundTrip(c, 'c');
    expect(upOnly).toBeGreaterThanOrEqual(148);
    expect(upOnly).toBeLessThan(base + 150 + 30 + 100);
    expect(both).toBeGreaterThanOrEqual(298);
    // Jittered chunks are never reordered.
    await p.setMode({ kind: 'latency', ms: 5, jitterMs: 40 });
    for (let i = 0; i < 20; i++) c.socket.write(String.fromCharCode(100 + i));
    await until(() => c.received().length === 23);
    expect(c.received()).toBe('abc' + Array.from({ length: 20 }, (_, i) => String.fromCharCode(100 + i)).join(''));
  });

  it('blackhole stops the bytes without closing, and heal delivers what was held', async () => {
    const p = await proxyTo(echo);
    const c = await client(p);
    await roundTrip(c, 'before;');
    await p.setMode({ kind: 'blackhole' });
    c.socket.write('held;');
    await sleep(300);
    expect(c.received()).toBe('before;');
    expect(c.closed()).toBe(false);
    expect(c.error()).toBeUndefined();
    // A new connection is accepted but gets nothing either.
    const late = await client(p);
    late.socket.write('late;');
    await sleep(100);
    expect(late.received()).toBe('');

    await p.heal();
    await until(() => c.received() === 'before;held;' && late.received() === 'late;');
  });

  it('drop discards bytes one way, keeps the connection, and resets it on heal', async () => {
    const p = await proxyTo(echo);
    const c = await client(p);
    await p.setMode({ kind: 'drop', direction: 'down' });
    c.socket.write('lost');
    await until(() => p.stats().droppedDown === 4);
    expect(p.stats().bytesUp).toBe(4);
    expect(c.received()).toBe('');
    expect(c.closed()).toBe(false);

    await p.heal();
    await until(() => c.closed());
    expect(c.error()).toBe('ECONNRESET');
    const fresh = await client(p);
    await roundTrip(fresh, 'ok');
    expect(fresh.received()).toBe('ok');
  });

  it('reset cuts live and new connections with ECONNRESET, heal lets new ones through', async () => {
    const p = await proxyTo(echo);
    const c = await client(p);
    await roundTrip(c, 'x');
    await p.setMode({ kind: 'reset' });
    await until(() => c.closed());
    expect(c.error()).toBe('ECONNRESET');
    expect(p.stats().open).toBe(0);

    const refused = connect({ host: p.host, port: p.port });
    open.push(refused);
    const code = await new Promise<string | undefined>((resolve) => {
      refused.once('error', (e: NodeJS.ErrnoException) => resolve(e.code));
      refused.once('close', () => resolve('closed without error'));
    });
    expect(code).toBe('ECONNRESET');

    await p.heal();
    const fresh = await client(p);
    await roundTrip(fresh, 'y');
  });

  it('refuse closes the listener (ECONNREFUSED) but keeps live connections, heal listens on the same port', async () => {
    const p = await proxyTo(echo);
    const port = p.port;
    const c = await client(p);
    await p.setMode({ kind: 'refuse' });
    await expect(client(p)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await roundTrip(c, 'still');
    await p.heal();
    expect(p.port).toBe(port);
    const fresh = await client(p);
    await roundTrip(fresh, 'back');
  });

  it('bandwidth bounds throughput within 20 percent', async () => {
    const p = await proxyTo(blob);
    const rate = 200_000;
    await p.setMode({ kind: 'bandwidth', bytesPerSec: rate, direction: 'down' });
    const c = await client(p);
    await sleep(1_000);
    const got = c.bytes();
    // One second at the rate, plus the 50 ms burst the bucket starts with.
    expect(got).toBeGreaterThan(rate * 0.8);
    expect(got).toBeLessThan(rate * 1.05 * 1.2);
    await p.heal();
    const before = c.bytes();
    await sleep(200);
    expect(c.bytes() - before).toBeGreaterThan(rate);
  });
});
