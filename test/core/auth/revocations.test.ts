import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { revocationSecond, TokenRevocations } from '../../../src/core/auth/revocations.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';

/** Against a database of its own on the machine's Postgres. */
const db = useMigratedDatabase('chat_test_revocations_');
const nowSec = (): number => Math.floor(Date.now() / 1000);

/** What a gateway that starts now would hold. */
async function loaded(): Promise<TokenRevocations> {
  const list = new TokenRevocations(db.pool());
  await list.load();
  return list;
}

describe('token revocations', () => {
  it('refuses tokens issued before a user-wide revocation, on every device, and not those after', () => {
    const list = new TokenRevocations(db.pool());
    list.apply('alice', undefined, 1000);
    expect(list.refusal({ user: 'alice', device: 'laptop', issuedAt: 999 })).toMatch(/revoked/);
    expect(list.refusal({ user: 'alice', device: 'phone', issuedAt: 999 })).toMatch(/revoked/);
    expect(list.refusal({ user: 'alice', device: 'phone', issuedAt: 1000 })).toBeUndefined();
    expect(list.refusal({ user: 'bob', device: 'phone', issuedAt: 1 })).toBeUndefined();
  });

  it('a device revocation leaves the other devices alone; a token without iat counts as older', () => {
    const list = new TokenRevocations(db.pool());
    list.apply('alice', 'laptop', 1000);
    expect(list.refusal({ user: 'alice', device: 'laptop', issuedAt: undefined })).toMatch(/revoked/);
    expect(list.refusal({ user: 'alice', device: 'phone', issuedAt: 1 })).toBeUndefined();
  });

  it('counts from the second after the kick: a token of the same second may be older', () => {
    expect(revocationSecond(1_700_000_000_999)).toBe(1_700_000_001);
    expect(revocationSecond(1_700_000_000_000)).toBe(1_700_000_001);
  });
});

describe('token revocations in Postgres', () => {
  it('a gateway that starts after the kick loads it: older tokens refused, newer ones and other users not', async () => {
    const at = nowSec();
    await new TokenRevocations(db.pool()).revoke('ann', undefined, at, 3600);
    await new TokenRevocations(db.pool()).revoke('ann2', 'phone', at, 3600);
    const list = await loaded();
    expect(list.refusal({ user: 'ann', device: 'laptop', issuedAt: at - 1 })).toMatch(/revoked/);
    expect(list.refusal({ user: 'ann', device: 'laptop', issuedAt: at })).toBeUndefined();
    expect(list.refusal({ user: 'ann2', device: 'phone', issuedAt: at - 1 })).toMatch(/revoked/);
    expect(list.refusal({ user: 'ann2', device: 'laptop', issuedAt: at - 1 })).toBeUndefined();
    expect(list.refusal({ user: 'someone', device: 'laptop', issuedAt: at - 1 })).toBeUndefined();
  });

  it('a second revocation keeps the later second: one from a slower clock does not shorten it', async () => {
    const at = nowSec();
    const store = new TokenRevocations(db.pool());
    await store.revoke('ben', 'phone', at + 100, 3600);
    await store.revoke('ben', 'phone', at, 3600);
    const list = await loaded();
    expect(list.refusal({ user: 'ben', device: 'phone', issuedAt: at + 50 })).toMatch(/revoked/);
    expect(list.refusal({ user: 'ben', device: 'phone', issuedAt: at + 100 })).toBeUndefined();
    const rows = await db.pool().query(`SELECT 1 FROM token_revocations WHERE user_id = 'ben'`);
    expect(rows.rowCount).toBe(1);
  });

  it('a revocation for ever (--max-token-ttl 0) stays so when a later one has an expiry', async () => {
    const at = nowSec();
    const store = new TokenRevocations(db.pool());
    await store.revoke('bo', undefined, at - 100, 0);
    await store.revoke('bo', undefined, at - 99, 10);
    const list = await loaded();
    expect(list.refusal({ user: 'bo', device: 'phone', issuedAt: at - 100 })).toMatch(/revoked/);
  });

  it('expired revocations are dropped on load, and deleted by the next revocation', async () => {
    const at = nowSec();
    const store = new TokenRevocations(db.pool());
    await store.revoke('dan', undefined, at - 100, 0);
    // Born expired (its expiry, at - 90, is past): only the next revocation deletes it.
    await store.revoke('cat', undefined, at - 100, 10);
    // A gateway that took cat's kick message (or loaded it while it lasted) forgets it at its next load.
    const list = new TokenRevocations(db.pool());
    list.apply('cat', undefined, at - 100);
    await list.load();
    expect(list.refusal({ user: 'cat', device: 'phone', issuedAt: 0 })).toBeUndefined();
    expect(list.refusal({ user: 'dan', device: 'phone', issuedAt: 0 })).toMatch(/revoked/);
    await store.revoke('eve', undefined, at, 3600);
    const left = await db
      .pool()
      .query<{ user_id: string }>(
        `SELECT user_id FROM token_revocations WHERE user_id IN ('cat', 'dan', 'eve') ORDER BY user_id`,
      );
    expect(left.rows.map((row) => row.user_id)).toEqual(['dan', 'eve']);
  });

  it('keeps a kick message that arrives while a load reads (the read may predate it)', async () => {
    const at = nowSec();
    const list = new TokenRevocations(db.pool());
    const loading = list.load();
    list.apply('fay', undefined, at);
    await loading;
    expect(list.refusal({ user: 'fay', device: 'phone', issuedAt: at - 1 })).toMatch(/revoked/);
  });

  it('says to run the migrations when the table is missing', async () => {
    await db.pool().query('CREATE SCHEMA IF NOT EXISTS bare');
    const bare = new pg.Pool({ connectionString: db.url, max: 1, options: '-c search_path=bare' });
    try {
      await expect(new TokenRevocations(bare).load()).rejects.toThrow(/chat-node migrate/);
      await expect(new TokenRevocations(bare).revoke('gus', undefined, nowSec(), 60)).rejects.toThrow(
        /chat-node migrate/,
      );
    } finally {
      await bare.end();
    }
  });
});
