import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Room } from '../../src/core/client/index.js';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/**
 * `chat-node chat` in real terminals: each user's client runs in a tmux session of 80x24
 * on a tmux server of this suite's own; keys go in with send-keys, the screen comes back
 * with capture-pane. bob's second device (his tablet) is the client library.
 *
 * bob's terminal reaches its gateway through a TCP proxy on a fixed port, so the gateway
 * can be restarted behind the same address, as in production, and stay down as long as
 * the test needs (a gateway started again gets a new port from the OS).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cluster = new IsolatedCluster();
const socket = `chat-e2e-${cluster.id}`;
const dataDir = mkdtempSync(join(tmpdir(), 'chat-terminal-'));
let stable: RoleProcess;
let bobsGateway: RoleProcess;
let proxy: GatewayProxy;
let tablet: TestDevice;
let direct: Room;

/** Forwards TCP connections to a gateway's port; with no target it refuses them (the gateway is "down"). */
class GatewayProxy {
  private readonly server = net.createServer((client) => this.forward(client));
  private readonly sockets = new Set<net.Socket>();
  target: number | undefined;

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  private forward(client: net.Socket): void {
    if (this.target === undefined) {
      client.destroy();
      return;
    }
    const upstream = net.connect(this.target, '127.0.0.1');
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        this.sockets.delete(from);
        to.end();
      });
    }
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

function tmux(...args: string[]): string {
  return execFileSync('tmux', ['-L', socket, '-u', ...args], { encoding: 'utf8' });
}

/** Starts `chat-node chat` in an 80x24 tmux session; the pane stays after an exit, showing why. */
function openTerminal(name: string, url: string, token: string): void {
  const command = `node ${ROOT}bin/run.js chat --url ${url} --token ${token} --data-dir ${dataDir}; echo "[exited $?]"; sleep 60`;
  tmux('new-session', '-d', '-s', name, '-x', '80', '-y', '24', command);
}

function screen(name: string): string {
  return tmux('capture-pane', '-p', '-t', name);
}

/** Types text literally (no key names), as a person would. */
function type(name: string, text: string): void {
  tmux('send-keys', '-t', name, '-l', text);
}

function press(name: string, ...keys: string[]): void {
  tmux('send-keys', '-t', name, ...keys);
}

/** Polls the screen until `expected` shows; on a timeout the error carries the screen. */
async function waitForScreen(
  name: string,
  expected: string | RegExp | ((text: string) => boolean),
  timeoutMs = 10_000,
): Promise<string> {
  const matches = (text: string) =>
    typeof expected === 'string'
      ? text.includes(expected)
      : expected instanceof RegExp
        ? expected.test(text)
        : expected(text);
  let last = '';
  try {
    await waitFor(() => matches((last = screen(name))), timeoutMs, `${name}'s screen to show ${String(expected)}`);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- ${name}'s screen ---\n${last}`);
  }
  return last;
}

const occurrences = (text: string, part: string) => text.split(part).length - 1;

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  await cluster.start('presence', 'presence-1');
  [stable, bobsGateway] = await Promise.all([
    cluster.start('gateway', 'gw-stable'),
    cluster.start('gateway', 'gw-bob'),
  ]);
  await cluster.waitReady(stable);
  proxy = new GatewayProxy();
  const proxyPort = await proxy.listen();
  proxy.target = bobsGateway.port;
  openTerminal('alice', cluster.wsUrl(stable), await cluster.token('alice', 'laptop'));
  openTerminal('bob', `ws://127.0.0.1:${proxyPort}/v1/ws`, await cluster.token('bob', 'phone'));
  tablet = await connectDevice(cluster, [stable], 'bob', 'tablet');
  await Promise.all([waitForScreen('alice', '● connected'), waitForScreen('bob', '● connected')]);
}, 60_000);

afterAll(async () => {
  try {
    tmux('kill-server');
  } catch {
    // Already gone.
  }
  await tablet?.close();
  await proxy?.close();
  await cluster.tearDown();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('chat - the terminal client', () => {
  it('two users chat and the other device clears the unread count', async () => {
    type('alice', '/dm bob');
    press('alice', 'Enter');
    await waitForScreen('alice', '@bob');
    type('alice', 'hello bob, ça va? 日本語 👋');
    press('alice', 'Enter');
    await waitForScreen('alice', /alice: hello bob, ça va\? 日本語 👋 ✓/);

    // bob's terminal opens the new room by itself; seeing the message marks it read, and
    // the tablet, which counted it unread, learns that from the server.
    await waitForScreen('bob', 'alice: hello bob, ça va? 日本語 👋');
    await waitFor(
      () => tablet.client.rooms().some((room) => room.kind === 'direct'),
      5000,
      'the tablet to know the room',
    );
    direct = tablet.client.rooms().find((room) => room.kind === 'direct')!;
    await tablet.waitForCount(direct.id, 1);
    await waitFor(
      () => tablet.reads.some((read) => read.user === 'bob' && read.room === direct.id && read.seq >= 1),
      5000,
      "bob's read",
    );
    await waitFor(
      () => tablet.client.rooms().find((room) => room.id === direct.id)?.unread === 0,
      5000,
      'the tablet unread count to clear',
    );

    // The other way round: a room bob's terminal does not show gets an unread count, and
    // reading it on the tablet clears the count on the terminal.
    type('alice', '/new hiking bob');
    press('alice', 'Enter');
    await waitForScreen('alice', '#hiking');
    type('alice', 'anyone up for a hike on saturday?');
    press('alice', 'Enter');
    await waitForScreen('bob', /# hiking\s+1\s*│/);
    await waitFor(
      () => tablet.client.rooms().some((room) => room.kind === 'group'),
      5000,
      'the tablet to know the group',
    );
    const group = tablet.client.rooms().find((room) => room.kind === 'group')!;
    await tablet.waitForCount(group.id, 1);
    await tablet.client.markRead(group.id, 1);
    await waitForScreen('bob', /# hiking\s*│/);

    // bob answers in the direct room; alice, now in the group, sees it counted and opens it.
    type('bob', 'hi alice! sure, saturday works');
    press('bob', 'Enter');
    await waitForScreen('bob', /bob: hi alice! sure, saturday works ✓/);
    await waitForScreen('alice', /bob\s+1\s*│/);
    press('alice', 'M-1');
    const seen = await waitForScreen('alice', 'bob: hi alice! sure, saturday works');
    expect(seen).toContain('● connected');
    await tablet.waitForCount(direct.id, 2);
  });

  it('typing shows up on the other side and goes away when the line is cleared', async () => {
    type('bob', 'let me check the weath');
    await waitForScreen('alice', 'bob is typing…');
    press('bob', 'C-u');
    await waitForScreen('alice', (text) => !text.includes('bob is typing'));
  });

  it('a gateway restart shows reconnecting, then the missed messages; offline sends go once', async () => {
    proxy.target = undefined;
    await bobsGateway.kill('SIGTERM');
    await waitForScreen('bob', 'reconnecting');

    type('alice', 'while you were away 1');
    press('alice', 'Enter');
    type('alice', 'while you were away 2');
    press('alice', 'Enter');
    await waitForScreen('alice', /while you were away 2 ✓/);
    type('bob', 'typed while offline');
    press('bob', 'Enter');
    await waitForScreen('bob', /typed while offline.*queued/);
    expect(screen('bob')).toContain('1 queued');

    bobsGateway = await cluster.start('gateway', 'gw-bob-2');
    proxy.target = bobsGateway.port;
    const back = await waitForScreen('bob', /typed while offline ✓/, 20_000);
    expect(back).toContain('● connected');
    const order = [
      'connection lost',
      'alice: while you were away 1',
      'alice: while you were away 2',
      'reconnected: 2 new messages synced',
    ];
    const positions = order.map((part) => back.indexOf(part));
    expect(
      positions.every((at) => at >= 0),
      back,
    ).toBe(true);
    expect(
      [...positions].sort((a, b) => a - b),
      back,
    ).toEqual(positions);

    const alice = await waitForScreen('alice', 'bob: typed while offline');
    expect(occurrences(alice, 'bob: typed while offline')).toBe(1);
    await tablet.waitForCount(direct.id, 5);
    expect(tablet.bodies(direct.id).filter((body) => body === 'typed while offline')).toHaveLength(1);
  }, 40_000);
});
