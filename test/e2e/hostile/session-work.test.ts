import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYNC_PAGE_CAP, SYNC_ROOM_CAP } from '../../../src/core/protocol/index.js';
import { connectDevice } from '../../support/devices.js';
import { HostileSuite } from './support/hostile-suite.js';
import type { RawWebSocket, ServerFrame } from './support/raw-socket.js';

/**
 * Work a connection leaves behind: requests queued in its user's share of the gateway and
 * syncs over many rooms keep no hold on the gateway once the connection is gone, and one
 * sync answers at most a page of messages (the client follows the pages).
 */
const HOARDER = 'hoarder';
const ROOMS = 10;
/** Each seeded room holds a full sync room cap of messages with 1000-character bodies: a sync of all is ~10 MB. */
const MESSAGES_PER_ROOM = SYNC_ROOM_CAP;
const INFLIGHT = 2;
const suite = new HostileSuite('session work');
const opened: RawWebSocket[] = [];

beforeAll(async () => {
  await suite.start(['--max-inflight-requests', String(INFLIGHT)]);
  // Seeded straight into Postgres (the Redis history cache has none of it): every sync read is a query.
  await suite.cluster.query(
    `INSERT INTO rooms (id, kind, name, owner_id, last_seq) SELECT 'g_hoard' || i, 'group', 'hoard', $1, $2 FROM generate_series(1, $3::int) i`,
    [HOARDER, MESSAGES_PER_ROOM, ROOMS],
  );
  await suite.cluster.query(
    `INSERT INTO members (room_id, user_id) SELECT 'g_hoard' || i, $1 FROM generate_series(1, $2::int) i`,
    [HOARDER, ROOMS],
  );
  await suite.cluster.query(
    `INSERT INTO messages (room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts)
     SELECT 'g_hoard' || r, s, md5(r || '-' || s), 'someone', 'd1', 'c' || r || '-' || s, repeat('x', 1000), 0
       FROM generate_series(1, $1::int) r, generate_series(1, $2::int) s`,
    [ROOMS, MESSAGES_PER_ROOM],
  );
}, 60_000);

afterAll(async () => {
  for (const ws of opened) ws.close();
  await suite.stop();
}, 60_000);

async function hoarder(device: string): Promise<RawWebSocket> {
  const ws = await suite.attacker(HOARDER, device);
  opened.push(ws);
  return ws;
}

describe('hostile - work left behind by a closed connection', () => {
  it('syncs queued by a connection that goes away hold nothing of its user: the next connection is served at once', async () => {
    const gone = await hoarder('d1');
    // Its user's whole share: INFLIGHT running, 32 x INFLIGHT waiting; nothing read back.
    const queued = INFLIGHT * 33;
    for (let i = 0; i < queued; i++) gone.sendJson({ type: 'sync', id: `y${i}` });
    await gone.next((f) => f.type === 'sync.batch', 5000);
    gone.ws.terminate();
    await gone.closed;
    const next = await hoarder('d2');
    const started = Date.now();
    const reply = await next.request({ type: 'rooms.list', id: 'after' }, 20_000).catch(() => undefined);
    const waitedMs = Date.now() - started;
    suite.record(
      `${queued} syncs of ${ROOMS} x ${MESSAGES_PER_ROOM} messages, then the connection closes`,
      `${queued} sync frames, close`,
      { reply: 'rooms, served within 2 s' },
      {
        reply:
          reply?.type === 'rooms' && waitedMs < 2000
            ? 'rooms, served within 2 s'
            : `${reply?.type ?? 'nothing'} ${reply?.code ?? ''} after ${waitedMs} ms`,
      },
    );
    await suite.bystandersExchange('abandoned syncs');
  }, 30_000);
});

describe('hostile - sync paging', () => {
  it('one sync answers at most a page, says hasMore, and the pages together hold every missed message', async () => {
    const ws = await hoarder('d3');
    const since: Record<string, number> = {};
    const pages: number[] = [];
    let done: ServerFrame | undefined;
    for (let page = 0; page < 20; page++) {
      const from = ws.frames.length;
      ws.sendJson({ type: 'sync', id: `p${page}`, since });
      done = await ws.next((f) => f.id === `p${page}` && (f.type === 'sync.done' || f.type === 'error'), 10_000, from);
      expect(done.type).toBe('sync.done');
      const messages = ws.frames
        .slice(from)
        .filter((f) => f.id === `p${page}` && f.type === 'sync.batch')
        .flatMap((f) => f.messages as Array<{ room: string; seq: number }>);
      pages.push(messages.length);
      for (const message of messages) since[message.room] = Math.max(since[message.room] ?? 0, message.seq);
      if (done.hasMore !== true) break;
    }
    const total = pages.reduce((sum, n) => sum + n, 0);
    suite.record(
      `sync of ${ROOMS} rooms x ${MESSAGES_PER_ROOM} missed messages`,
      'sync, then sync again with the new since while hasMore',
      { reply: `pages of at most ${SYNC_PAGE_CAP}, ${ROOMS * MESSAGES_PER_ROOM} in all` },
      { reply: `pages of at most ${Math.max(...pages)}, ${total} in all` },
    );
    expect(pages.length).toBeGreaterThan(1);
    expect(Object.values(since)).toEqual(Array(ROOMS).fill(MESSAGES_PER_ROOM));
    await suite.bystandersExchange('sync paging');
  }, 60_000);

  it('the client library follows the pages: connected means every missed message is in', async () => {
    const device = await connectDevice(suite.cluster, [suite.gateway], HOARDER, 'd4');
    try {
      // connect() resolves at the end of the sync: after its last page, not its first.
      expect(device.messages.length).toBe(ROOMS * MESSAGES_PER_ROOM);
      for (let i = 1; i <= ROOMS; i++) expect(device.client.cursor(`g_hoard${i}`)).toBe(MESSAGES_PER_ROOM);
    } finally {
      await device.close();
    }
  }, 60_000);
});
