import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDeviceToken } from '../../src/core/auth/jwt.js';
import { IsolatedCluster, SERVICES, type RoleProcess } from '../support/isolated-cluster.js';
import { RawWebSocket } from './hostile/support/raw-socket.js';

/**
 * `chat-node admin kick`: an operator closes a user's or a device's connections on every gateway
 * and, with --revoke, makes the tokens issued before now useless.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const cluster = new IsolatedCluster();
let gw1: RoleProcess;
let gw2: RoleProcess;
const sockets: RawWebSocket[] = [];

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  [gw1, gw2] = await Promise.all([cluster.start('gateway', 'gw-1'), cluster.start('gateway', 'gw-2')]);
  await cluster.waitReady(gw1);
}, 60_000);

afterAll(async () => {
  for (const socket of sockets) socket.close();
  await cluster.tearDown();
});

async function connect(gateway: RoleProcess, user: string, device: string, token?: string): Promise<RawWebSocket> {
  const socket = await RawWebSocket.authenticated(cluster.wsUrl(gateway), token ?? (await cluster.token(user, device)));
  sockets.push(socket);
  return socket;
}

/** The hello answer for this token: welcome, or the error code. */
async function helloWith(gateway: RoleProcess, token: string): Promise<string> {
  const socket = await RawWebSocket.open(cluster.wsUrl(gateway));
  sockets.push(socket);
  socket.sendText(JSON.stringify({ type: 'hello', token }));
  const frame = await socket.next((f) => f.type === 'welcome' || f.type === 'error', 5000);
  return frame.type === 'welcome' ? 'welcome' : String(frame.code);
}

/** Runs `chat-node admin kick`; `postgresUrl` (--revoke keeps revocations there) is the cluster's unless given, null for none. */
function kick(
  args: string[],
  postgresUrl: string | null = cluster.postgresUrl,
): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, CHAT_NATS_URL: SERVICES.nats, CHAT_NAMESPACE: cluster.namespace };
  delete env.CHAT_POSTGRES_URL;
  delete env.CHAT_REDIS_URL;
  if (postgresUrl !== null) env.CHAT_POSTGRES_URL = postgresUrl;
  const child = spawn(process.execPath, [`${ROOT}bin/run.js`, 'admin', 'kick', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

async function closedUnauthorized(socket: RawWebSocket): Promise<boolean> {
  const closed = socket.closeState ?? (await socket.closedWithin(5000));
  return (
    closed?.code === 4401 && socket.frames.some((frame) => frame.type === 'error' && frame.code === 'unauthorized')
  );
}

describe('e2e - admin kick', () => {
  it("--device closes that device on every gateway, leaves the user's other devices, and it may come back", async () => {
    const laptopA = await connect(gw1, 'alice', 'laptop');
    const laptopB = await connect(gw2, 'alice', 'laptop');
    const phone = await connect(gw1, 'alice', 'phone');
    const bob = await connect(gw2, 'bob', 'phone');
    // Without --revoke, no Postgres (nor Redis): only NATS.
    const { code, output } = await kick(['--user', 'alice', '--device', 'laptop'], null);
    expect(code, output).toBe(0);
    expect(await closedUnauthorized(laptopA)).toBe(true);
    expect(await closedUnauthorized(laptopB)).toBe(true);
    expect(await phone.alive()).toBe(true);
    expect(await bob.alive()).toBe(true);
    // Without --revoke the same token still opens a connection.
    expect(await helloWith(gw1, await cluster.token('alice', 'laptop'))).toBe('welcome');
  });

  it('--revoke closes every device of the user, and refuses tokens issued before the kick, but not after', async () => {
    const before = await cluster.token('carol', 'laptop');
    const laptop = await connect(gw1, 'carol', 'laptop', before);
    const phoneToken = await cluster.token('carol', 'phone');
    const phone = await connect(gw2, 'carol', 'phone', phoneToken);
    const bob = await connect(gw1, 'bob', 'tablet');
    const { code, output } = await kick(['--user', 'carol', '--revoke']);
    expect(code, output).toBe(0);
    expect(await closedUnauthorized(laptop)).toBe(true);
    expect(await closedUnauthorized(phone)).toBe(true);
    expect(await bob.alive()).toBe(true);
    // On every gateway, and for every device of the user.
    expect(await helloWith(gw1, before)).toBe('unauthorized');
    expect(await helloWith(gw2, before)).toBe('unauthorized');
    expect(await helloWith(gw2, phoneToken)).toBe('unauthorized');
    // A token issued after the kick (iat is in whole seconds: the next second) gets in.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const after = await signDeviceToken({ secret: cluster.secret, user: 'carol', device: 'laptop', ttlSeconds: 3600 });
    expect(await helloWith(gw2, after)).toBe('welcome');
  });

  it("a revocation outlives Redis: a gateway started after the namespace's keys are flushed still refuses the token", async () => {
    const before = await cluster.token('dave', 'laptop');
    const { code, output } = await kick(['--user', 'dave', '--revoke']);
    expect(code, output).toBe(0);
    await flushRedisNamespace();
    const gw3 = await cluster.start('gateway', 'gw-3');
    expect(await helloWith(gw3, before)).toBe('unauthorized');
    expect(await helloWith(gw3, await cluster.token('erin', 'laptop'))).toBe('welcome');
  });

  it('--revoke says where Postgres is missing or out of reach, and kicks no one then', async () => {
    const socket = await connect(gw1, 'frank', 'laptop');
    const missing = await kick(['--user', 'frank', '--revoke'], null);
    expect(missing.code).toBe(2);
    expect(missing.output).toMatch(/--postgres-url/);
    const unreachable = await kick(['--user', 'frank', '--revoke'], 'postgresql://postgres@127.0.0.1:1/chat');
    expect(unreachable.code).toBe(1);
    // oclif wraps the message: its words, not its lines.
    const words = unreachable.output.replace(/\s+›?\s*/g, ' ');
    expect(words).toMatch(/cannot write the revocation to Postgres at postgresql:\/\/postgres@127\.0\.0\.1:1\/chat/);
    expect(await socket.alive()).toBe(true);
  });
});

/** What a Redis flush (or a failover to an empty replica) does to this cluster: every key of its namespace gone. */
async function flushRedisNamespace(): Promise<void> {
  const redis = new Redis(SERVICES.redis);
  try {
    const keys = await redis.keys(`${cluster.namespace}:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
