import { describe, expect, it } from 'vitest';
import { BadgeReader } from '../../../src/nodes/pusher/badge-reader.js';

/** A read function that records each query and answers from `totals` once released. */
function store(totals: Record<string, number>) {
  const queries: string[][] = [];
  const pending: Array<() => void> = [];
  let failNext: Error | undefined;
  const read = (users: string[]): Promise<Map<string, number>> => {
    queries.push([...users]);
    const error = failNext;
    failNext = undefined;
    return new Promise((resolve, reject) => {
      pending.push(() =>
        error ? reject(error) : resolve(new Map(users.filter((u) => u in totals).map((u) => [u, totals[u]!]))),
      );
    });
  };
  const release = async (): Promise<void> => {
    // Let the reader start its query (it waits a turn of the event loop to collect callers).
    await new Promise((resolve) => setImmediate(resolve));
    pending.splice(0).forEach((answer) => answer());
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { read, queries, release, failNextWith: (error: Error) => (failNext = error) };
}

describe('pusher - badges', () => {
  it('asks for the users of sends started together in one query, each user once', async () => {
    const db = store({ ann: 3, bob: 1 });
    const reader = new BadgeReader(db.read);
    const badges = Promise.all([
      reader.badgeOf('ann'),
      reader.badgeOf('bob'),
      reader.badgeOf('ann'),
      reader.badgeOf('cid'),
    ]);
    await db.release();
    expect(await badges).toEqual([3, 1, 3, 0]);
    expect(db.queries).toEqual([['ann', 'bob', 'cid']]);
  });

  it('has one query out at a time; users asked for meanwhile go together in the next', async () => {
    const db = store({ ann: 1, bob: 2, cid: 3 });
    const reader = new BadgeReader(db.read);
    const first = reader.badgeOf('ann');
    await new Promise((resolve) => setImmediate(resolve));
    const later = Promise.all([reader.badgeOf('bob'), reader.badgeOf('cid')]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(db.queries).toEqual([['ann']]);
    await db.release();
    expect(await first).toBe(1);
    await db.release();
    expect(await later).toEqual([2, 3]);
    expect(db.queries).toEqual([['ann'], ['bob', 'cid']]);
  });

  it('splits a crowd into queries of at most maxBatch users', async () => {
    const db = store({});
    const reader = new BadgeReader(db.read, { maxBatch: 2 });
    const badges = Promise.all(['a', 'b', 'c', 'd', 'e'].map((user) => reader.badgeOf(user)));
    for (let i = 0; i < 3; i++) await db.release();
    expect(await badges).toEqual([0, 0, 0, 0, 0]);
    expect(db.queries).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('fails the sends of a failed query only; the next query is tried afresh', async () => {
    const db = store({ bob: 5 });
    const reader = new BadgeReader(db.read);
    db.failNextWith(new Error('postgres is down'));
    const failed = reader.badgeOf('ann').catch((error: unknown) => error);
    await db.release();
    expect(await failed).toMatchObject({ message: 'postgres is down' });
    const next = reader.badgeOf('bob');
    await db.release();
    expect(await next).toBe(5);
  });
});
