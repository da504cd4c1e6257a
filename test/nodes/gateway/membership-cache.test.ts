import { describe, expect, it } from 'vitest';
import type { RequestScope } from '../../../src/nodes/gateway/gateway-context.js';
import { requireMember, type MembershipContext } from '../../../src/nodes/gateway/handlers/membership.js';
import { ReadHandlers, type ReadContext } from '../../../src/nodes/gateway/handlers/read-handlers.js';
import { LocalSessions, type Session } from '../../../src/nodes/gateway/local-sessions.js';
import type { Room } from '../../../src/core/protocol/server-frames.js';

// Issue 13, item 1 (b, c): a membership answer read before a removal must never overwrite the
// removal in a gateway's cache, whichever arrives last.

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

const session: Session = { connId: 'c1', user: 'bob', device: 'phone', write: () => true };

function sessionsWithBob(): LocalSessions {
  const sessions = new LocalSessions();
  sessions.add(session);
  return sessions;
}

describe('gateway - membership cache', () => {
  it('an older answer never overwrites a newer one; the same or a newer version does', () => {
    const sessions = sessionsWithBob();
    sessions.setMember('bob', 'r1', false, 4);
    sessions.setMember('bob', 'r1', true, 3);
    expect(sessions.knowsMember('bob', 'r1')).toBe(false);
    sessions.setMember('bob', 'r1', true, 4);
    expect(sessions.knowsMember('bob', 'r1')).toBe(true);
    sessions.setMember('bob', 'r1', false, 5);
    expect(sessions.knowsMember('bob', 'r1')).toBe(false);
  });

  it('forgetting the cache voids the answers of reads that started before', () => {
    const sessions = sessionsWithBob();
    const ticket = sessions.membershipTicket();
    sessions.forgetMemberships();
    sessions.setMember('bob', 'r1', true, 1, ticket);
    expect(sessions.knowsMember('bob', 'r1')).toBe(false);
    sessions.setMember('bob', 'r1', true, 1, sessions.membershipTicket());
    expect(sessions.knowsMember('bob', 'r1')).toBe(true);
  });

  it('a removal hint that arrives while a membership check reads Postgres wins', async () => {
    const sessions = sessionsWithBob();
    const answer = deferred<{ member: boolean; version: number }>();
    const ctx = { sessions, rooms: { membership: () => answer.promise } } as unknown as MembershipContext;
    const checked = requireMember(ctx, 'bob', 'r1');
    // The removal commits (version 8) and its hint arrives before the read's answer (version 7).
    sessions.setMember('bob', 'r1', false, 8);
    answer.resolve({ member: true, version: 7 });
    await checked;
    expect(sessions.knowsMember('bob', 'r1')).toBe(false);
  });

  it('a removal hint that arrives while sync reads the rooms is not overwritten by the sync', async () => {
    const sessions = sessionsWithBob();
    const rooms = deferred<{ rooms: Room[]; membersVersion: Map<string, number> }>();
    const room: Room = {
      id: 'r1',
      kind: 'group',
      name: 'team',
      owner: 'alice',
      members: ['alice', 'bob'],
      lastSeq: 0,
      readSeq: 0,
      unread: 0,
    };
    const ctx = {
      sessions,
      rooms: { roomsOfUsers: async () => [await rooms.promise] },
      reader: { range: async () => [] },
    } as unknown as ReadContext;
    const replies: Array<Record<string, unknown>> = [];
    const scope: RequestScope = {
      session,
      requestId: undefined,
      signal: new AbortController().signal,
      reply: (frame) => replies.push(frame),
    };
    const synced = new ReadHandlers(ctx).sync(scope, { type: 'sync' });
    sessions.setMember('bob', 'r1', false, 3);
    // The sync read the rooms before that removal: at version 2.
    rooms.resolve({ rooms: [room], membersVersion: new Map([['r1', 2]]) });
    await synced;
    expect(replies.at(-1)).toMatchObject({ type: 'sync.done' });
    expect(sessions.knowsMember('bob', 'r1')).toBe(false);
  });

  it("sync records the rooms it read as the user's, so their sends ask Postgres nothing", async () => {
    const sessions = sessionsWithBob();
    const room: Room = {
      id: 'r2',
      kind: 'direct',
      name: '',
      owner: 'alice',
      members: ['alice', 'bob'],
      lastSeq: 0,
      readSeq: 0,
      unread: 0,
    };
    const ctx = {
      sessions,
      rooms: {
        roomsOfUsers: async () => [{ rooms: [room], membersVersion: new Map([['r2', 0]]) }],
        membership: () => Promise.reject(new Error('no query expected')),
      },
      reader: { range: async () => [] },
    } as unknown as ReadContext;
    const scope: RequestScope = {
      session,
      requestId: undefined,
      signal: new AbortController().signal,
      reply: () => {},
    };
    await new ReadHandlers(ctx).sync(scope, { type: 'sync' });
    await requireMember(ctx, 'bob', 'r2');
    expect(sessions.knowsMember('bob', 'r2')).toBe(true);
  });
});
