import { describe, expect, it } from 'vitest';
import { SYNC_PAGE_CAP, SYNC_ROOM_CAP, type Message, type Room } from '../../../../src/core/protocol/index.js';
import type { RequestScope } from '../../../../src/nodes/gateway/gateway-context.js';
import { ReadHandlers, type ReadContext } from '../../../../src/nodes/gateway/handlers/read-handlers.js';

/** A user's rooms, each with `lastSeq` messages, and a reader that counts its reads (the Postgres or Redis trips). */
function fakeGateway(lastSeqs: number[]): {
  handlers: ReadHandlers;
  reads: () => number;
  onRead: (hook: () => void) => void;
} {
  const rooms: Room[] = lastSeqs.map((lastSeq, i) => ({
    id: `g_r${i}`,
    kind: 'group',
    name: '',
    members: ['u'],
    owner: 'u',
    lastSeq,
    readSeq: 0,
    unread: 0,
  }));
  let reads = 0;
  let hook = () => {};
  const ctx = {
    rooms: {
      roomsOfUsers: async (users: string[]) =>
        users.map(() => ({ rooms: rooms.map((room) => ({ ...room })), membersVersion: new Map() })),
    },
    reader: {
      range: async (room: string, from: number, to: number): Promise<Message[]> => {
        reads++;
        hook();
        await new Promise((resolve) => setImmediate(resolve));
        return Array.from({ length: to - from + 1 }, (_, i) => ({
          room,
          seq: from + i,
          msgId: 'm',
          sender: 's',
          senderDevice: 'd',
          clientMsgId: 'c',
          body: 'b',
          ts: 0,
        }));
      },
    },
    sessions: { setMember: () => {}, membershipTicket: () => 0 },
  } as unknown as ReadContext;
  return { handlers: new ReadHandlers(ctx), reads: () => reads, onRead: (h) => (hook = h) };
}

function scopeOf(signal: AbortSignal = new AbortController().signal): {
  scope: RequestScope;
  frames: Array<Record<string, unknown>>;
} {
  const frames: Array<Record<string, unknown>> = [];
  const scope = {
    session: { connId: 'c1', user: 'u', device: 'd', write: () => true },
    requestId: 'y',
    reply: (frame: Record<string, unknown>) => frames.push(frame),
    signal,
  } as RequestScope;
  return { scope, frames };
}

const batchMessages = (frames: Array<Record<string, unknown>>) =>
  frames.filter((f) => f.type === 'sync.batch').flatMap((f) => f.messages as Message[]);

describe('gateway - sync', () => {
  it('stops reading once the session is gone, and answers nothing more', async () => {
    const gateway = fakeGateway(Array<number>(50).fill(SYNC_ROOM_CAP));
    const session = new AbortController();
    gateway.onRead(() => {
      if (gateway.reads() === 3) session.abort();
    });
    const { scope, frames } = scopeOf(session.signal);
    await gateway.handlers.sync(scope, { type: 'sync' }).catch(() => {});
    expect(gateway.reads()).toBe(3);
    expect(frames.some((f) => f.type === 'sync.done')).toBe(false);
  });

  it('answers at most a page of messages and says hasMore; the next sync from the new since goes on', async () => {
    const lastSeqs = [1500, 300, 2500, 40, 900];
    const gateway = fakeGateway(lastSeqs);
    const since: Record<string, number> = { g_r3: 40 };
    const delivered = new Map<string, number[]>();
    let pages = 0;
    for (;;) {
      const { scope, frames } = scopeOf();
      await gateway.handlers.sync(scope, { type: 'sync', since: { ...since } });
      pages++;
      const messages = batchMessages(frames);
      expect(messages.length).toBeLessThanOrEqual(SYNC_PAGE_CAP);
      const done = frames.at(-1)!;
      expect(done.type).toBe('sync.done');
      // Every page lists every room, at its lastSeq (the seam: later messages come live).
      expect((done.rooms as Room[]).map((room) => room.lastSeq).sort()).toEqual([...lastSeqs].sort());
      for (const room of done.rooms as Room[]) {
        const mine = messages.filter((m) => m.room === room.id).map((m) => m.seq);
        // A room is truncated in the page that skipped its older messages: it sent the lowest kept seq.
        if (room.truncated) expect(mine[0]).toBe(room.lastSeq - SYNC_ROOM_CAP + 1);
        if (mine.length > 0) {
          delivered.set(room.id, [...(delivered.get(room.id) ?? []), ...mine]);
          since[room.id] = mine.at(-1)!;
        }
      }
      if (done.hasMore !== true) break;
      expect(messages.length, 'a page that says hasMore is full').toBe(SYNC_PAGE_CAP);
      expect(pages).toBeLessThan(10);
    }
    expect(pages).toBeGreaterThan(1);
    for (const [i, lastSeq] of lastSeqs.entries()) {
      const first = Math.max(i === 3 ? 41 : 1, lastSeq - SYNC_ROOM_CAP + 1);
      expect(delivered.get(`g_r${i}`) ?? [], `room ${i}`).toEqual(
        Array.from({ length: lastSeq - first + 1 }, (_, k) => first + k),
      );
    }
  });
});

describe('gateway - read', () => {
  /** A gateway whose store marks reads for members of g_r and whose deliverer records (or fails). */
  function readGateway(deliver: (frame: string, users: string[]) => Promise<void>) {
    const ctx = {
      sessions: { knowsMember: () => true },
      rooms: {
        markReads: async (reads: Array<{ room: string; user: string; seq: number }>) =>
          reads.map(({ room, user, seq }) =>
            room === 'g_r' ? { readSeq: Math.min(seq, 7), members: [user, 'v'] } : undefined,
          ),
      },
      deliverer: {
        deliver: async (outgoing: Array<{ users: string[]; frame: string }>) =>
          deliver(outgoing[0]!.frame, outgoing[0]!.users),
      },
    } as unknown as ReadContext;
    return new ReadHandlers(ctx);
  }

  it('a read is answered ok only once its announcement to the members went out', async () => {
    const events: string[] = [];
    const { scope, frames } = scopeOf();
    const handlers = readGateway(async (frame, users) => {
      events.push(`announced ${frame} to ${users.join(',')}`);
    });
    const reply = scope.reply.bind(scope);
    scope.reply = (frame) => {
      events.push(`answered ${frame.type}`);
      reply(frame);
    };
    await handlers.read(scope, { type: 'read', room: 'g_r', seq: 9 });
    expect(events).toEqual([
      `announced ${JSON.stringify({ type: 'read', room: 'g_r', user: 'u', seq: 7 })} to u,v`,
      'answered ok',
    ]);
    expect(frames).toEqual([{ type: 'ok' }]);
  });

  it('a read whose announcement fails is not answered ok (the client tries again)', async () => {
    const { scope, frames } = scopeOf();
    const handlers = readGateway(async () => {
      throw new Error('NATS connection closed');
    });
    await expect(handlers.read(scope, { type: 'read', room: 'g_r', seq: 3 })).rejects.toThrow(/closed/);
    expect(frames).toEqual([]);
  });
});
