import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostileSuite } from './hostile/support/hostile-suite.js';
import { httpExchange, RawWebSocket } from './hostile/support/raw-socket.js';

/**
 * A gateway process at --max-connections sends new clients elsewhere with HTTP 503 instead of
 * taking sockets until it runs out of file descriptors (then it cannot reach its own Postgres,
 * Redis and NATS, and fails everyone: seen with 20,000 devices on one `chat-node dev`).
 */
/** The suite's own bystanders and its /healthz probe hold some of these. */
const MAX_CONNECTIONS = 8;
const suite = new HostileSuite('connection cap');
const opened: RawWebSocket[] = [];

beforeAll(async () => {
  await suite.start(['--max-connections', String(MAX_CONNECTIONS)]);
}, 60_000);

afterAll(async () => {
  for (const ws of opened) ws.close();
  await suite.stop();
}, 60_000);

async function welcomed(user: string): Promise<RawWebSocket> {
  const ws = await RawWebSocket.open(suite.url);
  opened.push(ws);
  ws.sendJson({ type: 'hello', token: await suite.token(user, 'd1') });
  expect((await ws.next((frame) => frame.type === 'welcome' || frame.type === 'error', 5000)).type).toBe('welcome');
  return ws;
}

describe('e2e - gateway connection cap', () => {
  it('past --max-connections an upgrade gets 503 and the clients held keep working; a freed slot is taken again', async () => {
    const held: RawWebSocket[] = [];
    let refusal: unknown;
    for (let i = 0; i <= MAX_CONNECTIONS && refusal === undefined; i++) {
      await welcomed(`cap-user-${i}`).then(
        (ws) => held.push(ws),
        (error: unknown) => (refusal = error),
      );
    }
    expect(String(refusal)).toMatch(/upgrade refused: 503/);
    expect(held.length).toBeGreaterThan(0);
    expect(held.length).toBeLessThan(MAX_CONNECTIONS);
    await expect(RawWebSocket.open(suite.url)).rejects.toThrow(/upgrade refused: 503/);
    // A long-poll session is refused alike, with the protocol's error body.
    const session = await httpExchange(suite.port, 'POST', '/v1/sessions', {
      token: await suite.token('cap-poller', 'p1'),
    });
    expect(session.status).toBe(503);
    expect(session.json).toMatchObject({ type: 'error', code: 'unavailable' });
    expect(String(session.json['message'])).toMatch(/holds its most connections/);
    expect(session.headers['retry-after']).toBe('1');
    // The sessions held are untouched: a ping is answered.
    held[0]!.sendJson({ type: 'ping', id: 'p1' });
    expect((await held[0]!.next((frame) => frame.id === 'p1', 5000)).type).toBe('pong');
    held.at(-1)!.close();
    await held.at(-1)!.closed;
    let again: RawWebSocket | undefined;
    for (let i = 0; i < 20 && !again; i++) {
      again = await welcomed('cap-user-late').catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return undefined;
      });
    }
    expect(again).toBeDefined();
    await suite.bystandersExchange('at the cap');
  }, 60_000);
});
