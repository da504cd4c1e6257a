import { describe, expect, it } from 'vitest';
import { PresenceBook } from '../../../src/core/client/presence-book.js';

describe('presence book', () => {
  it('unknown users have no status; the latest status heard wins', () => {
    const book = new PresenceBook();
    expect(book.get('bob')).toBeUndefined();
    book.note([{ user: 'bob', status: 'online', lastSeen: 1000 }]);
    book.note([
      { user: 'carol', status: 'offline', lastSeen: null },
      { user: 'bob', status: 'offline', lastSeen: 2000 },
    ]);
    expect(book.get('bob')).toEqual({ user: 'bob', status: 'offline', lastSeen: 2000 });
    expect(book.get('carol')).toEqual({ user: 'carol', status: 'offline', lastSeen: null });
    expect(book.size).toBe(2);
  });

  it('returns copies: changing one does not change the book', () => {
    const book = new PresenceBook();
    const incoming = { user: 'bob', status: 'online' as const, lastSeen: 1 };
    book.note([incoming]);
    incoming.lastSeen = 99;
    const seen = book.get('bob')!;
    seen.status = 'offline';
    expect(book.get('bob')).toEqual({ user: 'bob', status: 'online', lastSeen: 1 });
  });

  it('past its limit, the least recently updated users are forgotten', () => {
    const book = new PresenceBook(3);
    book.note(['a', 'b', 'c'].map((user) => ({ user, status: 'online' as const, lastSeen: 1 })));
    book.note([{ user: 'a', status: 'offline', lastSeen: 2 }]); // a is now the most recent
    book.note([{ user: 'd', status: 'online', lastSeen: 3 }]);
    expect(book.size).toBe(3);
    expect(book.get('b')).toBeUndefined();
    expect(['a', 'c', 'd'].map((user) => book.get(user)?.user)).toEqual(['a', 'c', 'd']);
  });
});
