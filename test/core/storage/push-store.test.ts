import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../../src/core/storage/migrations.js';
import { PushStore, PushTokenTakenError } from '../../../src/core/storage/push-store.js';
import { SERVICES } from '../../support/isolated-cluster.js';

/** The badge queries against a fresh database on the machine's Postgres. */
const database = `chat_test_push_store_${randomBytes(4).toString('hex')}`;
let pool: pg.Pool;
let store: PushStore;

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: SERVICES.postgresAdmin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function room(
  id: string,
  members: Record<string, number>,
  messages: Array<[sender: string, seq: number]>,
): Promise<void> {
  await pool.query(`INSERT INTO rooms (id, kind, owner_id, last_seq) VALUES ($1, 'group', 'x', $2)`, [
    id,
    messages.length,
  ]);
  for (const [user, readSeq] of Object.entries(members)) {
    await pool.query('INSERT INTO members (room_id, user_id, read_seq) VALUES ($1, $2, $3)', [id, user, readSeq]);
  }
  for (const [sender, seq] of messages) {
    await pool.query(
      `INSERT INTO messages (room_id, seq, msg_id, sender_id, sender_device, client_msg_id, body, ts) VALUES ($1, $2, $3, $4, 'd', $3, 'hi', 0)`,
      [id, seq, `${id}-${seq}`, sender],
    );
  }
}

beforeAll(async () => {
  await admin(`CREATE DATABASE ${database}`);
  const url = new URL(SERVICES.postgresAdmin);
  url.pathname = `/${database}`;
  pool = new pg.Pool({ connectionString: url.toString(), max: 2 });
  await migrate(pool);
  store = new PushStore(pool);
  // ann read up to 1 in r1 (then bob 2, ann 3, bob 4 are above it) and nothing in r2 (cid 1, cid 2).
  await room('r1', { ann: 1, bob: 4 }, [
    ['bob', 1],
    ['bob', 2],
    ['ann', 3],
    ['bob', 4],
  ]);
  await room('r2', { ann: 0, cid: 0 }, [
    ['cid', 1],
    ['cid', 2],
  ]);
}, 30_000);

afterAll(async () => {
  await pool?.end();
  await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
});

describe('push store - badges', () => {
  it('counts the messages from others above the read position, over all rooms', async () => {
    expect(await store.unreadTotal('ann')).toBe(4);
    expect(await store.unreadTotal('bob')).toBe(0);
    expect(await store.unreadTotal('cid')).toBe(0);
  });

  it('answers many users in one query, a user in no room with 0', async () => {
    const totals = await store.unreadTotals(['ann', 'bob', 'cid', 'nobody', 'ann']);
    expect(Object.fromEntries(totals)).toEqual({ ann: 4, bob: 0, cid: 0, nobody: 0 });
    expect((await store.unreadTotals([])).size).toBe(0);
  });
});

describe('push store - registrations', () => {
  const token = 'ab'.repeat(32);
  const holders = async () =>
    (
      await pool.query<{ user_id: string; device_id: string }>(
        'SELECT user_id, device_id FROM push_registrations WHERE token = $1 ORDER BY user_id',
        [token],
      )
    ).rows;

  it("moves a token between the user's own devices, refuses it to another user, and lets an operator move it", async () => {
    await store.register({ user: 'ann', device: 'phone', platform: 'apns', token, preview: true });
    await store.register({ user: 'ann', device: 'tablet', platform: 'apns', token, preview: true });
    expect(await holders()).toEqual([{ user_id: 'ann', device_id: 'tablet' }]);
    await expect(
      store.register({ user: 'bob', device: 'phone', platform: 'apns', token, preview: true }),
    ).rejects.toThrow(PushTokenTakenError);
    expect(await holders()).toEqual([{ user_id: 'ann', device_id: 'tablet' }]);
    await store.register({ user: 'bob', device: 'phone', platform: 'apns', token, preview: true }, { anyUser: true });
    expect(await holders()).toEqual([{ user_id: 'bob', device_id: 'phone' }]);
  });
});
