import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { ChatClient, ChatError } from '../../src/core/client/index.js';
import { IsolatedCluster, waitFor, type RoleProcess } from '../support/isolated-cluster.js';

/** The hello handshake: only well-signed, unexpired tokens with a user and a device get in. */
const cluster = new IsolatedCluster();
let gateway: RoleProcess;

beforeAll(async () => {
  await cluster.setUp();
  await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gw-1', ['--heartbeat-ms', '500']);
}, 60_000);

afterAll(() => cluster.tearDown());

async function connectWith(token: string): Promise<unknown> {
  const client = new ChatClient({ urls: [cluster.wsUrl(gateway)], token, autoReconnect: false });
  client.on('error', () => {});
  try {
    return await client.connect();
  } catch (error) {
    return error;
  } finally {
    await client.close();
  }
}

const secret = () => new TextEncoder().encode(cluster.secret);

describe('e2e - handshake', () => {
  it('a valid token is welcomed with the user, device and limits', async () => {
    const welcome = await connectWith(await cluster.token('alice', 'laptop'));
    expect(welcome).toMatchObject({
      user: 'alice',
      device: 'laptop',
      heartbeatMs: 500,
      limits: { maxFrameBytes: 16384, maxBodyChars: 4000, maxGroupMembers: 100 },
    });
    // The device row is written in batches off the hello path (at most a second later).
    await waitFor(
      async () =>
        (await cluster.query('SELECT 1 FROM devices WHERE user_id = $1 AND id = $2', ['alice', 'laptop'])).length === 1,
      5000,
      'the device row',
    );
  });

  it.each([
    [
      'an expired token',
      async () =>
        new SignJWT({ device: 'd' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('u')
          .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
          .sign(secret()),
    ],
    [
      'a token signed with another secret',
      async () =>
        new SignJWT({ device: 'd' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('u')
          .setExpirationTime('1h')
          .sign(new TextEncoder().encode('not the secret')),
    ],
    [
      'an unsigned (alg none) token',
      async () => new UnsecuredJWT({ device: 'd' }).setSubject('u').setExpirationTime('1h').encode(),
    ],
    [
      'a token without exp',
      async () => new SignJWT({ device: 'd' }).setProtectedHeader({ alg: 'HS256' }).setSubject('u').sign(secret()),
    ],
    [
      'a token without a device claim',
      async () =>
        new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('u').setExpirationTime('1h').sign(secret()),
    ],
    [
      'a token whose user breaks the id pattern',
      async () =>
        new SignJWT({ device: 'd' })
          .setProtectedHeader({ alg: 'HS256' })
          .setSubject('a.b')
          .setExpirationTime('1h')
          .sign(secret()),
    ],
    ['garbage', async () => 'not-a-jwt'],
  ])('%s is refused as unauthorized', async (_name, makeToken) => {
    const outcome = await connectWith(await makeToken());
    expect(outcome).toBeInstanceOf(ChatError);
    expect((outcome as ChatError).code).toBe('unauthorized');
  });

  it('a live connection whose token expires is closed with unauthorized', async () => {
    const client = new ChatClient({
      urls: [cluster.wsUrl(gateway)],
      token: await cluster.token('short', 'lived', 2),
      autoReconnect: false,
    });
    const errors: ChatError[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    const { waitFor } = await import('../support/isolated-cluster.js');
    await waitFor(() => client.state === 'closed', 6000, 'the expired connection to close');
    expect(errors.some((error) => error.code === 'unauthorized')).toBe(true);
    await client.close();
  });

  it('/readyz reports ready once a fan-out holds every partition, and /metrics counts handshakes', async () => {
    const ready = await fetch(`${cluster.adminUrl(gateway)}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await (await fetch(`${cluster.adminUrl(gateway)}/metrics`)).text();
    expect(metrics).toMatch(/chat_gateway_handshakes_total\{outcome="refused"[^}]*\} [1-9]/);
    expect(metrics).toMatch(/chat_gateway_handshakes_total\{outcome="ok"[^}]*\} [1-9]/);
  });

  it('a WebSocket without the chat.v1 subprotocol or on another path is refused at the upgrade', async () => {
    const { WebSocket } = await import('ws');
    const statusOf = (url: string, protocols: string[]) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url, protocols);
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => {
          ws.close();
          resolve(101);
        });
        ws.on('error', () => {});
      });
    expect(await statusOf(cluster.wsUrl(gateway), [])).toBe(400);
    expect(await statusOf(cluster.wsUrl(gateway).replace('/v1/ws', '/ws'), ['chat.v1'])).toBe(404);
    expect(await statusOf(cluster.wsUrl(gateway), ['chat.v1'])).toBe(101);
  });
});
