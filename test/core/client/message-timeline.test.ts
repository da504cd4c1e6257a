import { describe, expect, it } from 'vitest';
import { MemoryCursorStore } from '../../../src/core/client/cursor-store.js';
import { MessageTimeline, type GapFill } from '../../../src/core/client/message-timeline.js';
import type { Message, Room } from '../../../src/core/protocol/index.js';

function msg(room: string, seq: number): Message {
  return {
    room,
    seq,
    msgId: `${room}-${seq}`,
    sender: 'bob',
    senderDevice: 'd1',
    clientMsgId: `c${seq}`,
    body: `#${seq}`,
    ts: seq,
  };
}

function room(id: string, lastSeq: number, extra: Partial<Room> = {}): Room {
  return {
    id,
    kind: 'group',
    name: id,
    members: ['alice', 'bob'],
    owner: 'bob',
    lastSeq,
    readSeq: 0,
    unread: 0,
    ...extra,
  };
}

const seqs = (ms: readonly Message[]) => ms.map((x) => x.seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Answers a fill as the server would: the `limit` messages just below `before`, from 1..lastSeq. */
function serve(fill: GapFill, lastSeq: number): Message[] {
  const top = Math.min(fill.before - 1, lastSeq);
  const bottom = Math.max(1, fill.before - fill.limit);
  return range(bottom, top).map((seq) => msg(fill.room, seq));
}

describe('message timeline', () => {
  it('starts from the stored cursors and writes every advance through', () => {
    const cursors = new MemoryCursorStore({ r1: 4 });
    const timeline = new MessageTimeline(cursors);
    expect(timeline.cursor('r1')).toBe(4);
    expect(timeline.acceptLive(msg('r1', 4))).toEqual([]);
    expect(seqs(timeline.acceptLive(msg('r1', 5)))).toEqual([5]);
    expect(cursors.get('r1')).toBe(5);
    timeline.acceptLive(msg('r2', 2));
    expect(cursors.all()).toEqual({ r1: 5 }); // r2 only holds 2 above a gap
  });

  it('sync batches and live messages share one buffer: the seam has no duplicate and no hole', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore({ r: 2 }));
    timeline.beginSync();
    const out: number[] = [];
    out.push(...seqs(timeline.acceptLive(msg('r', 6)))); // live, ahead of the sync
    out.push(...seqs(timeline.acceptSyncBatch([msg('r', 3), msg('r', 4)])));
    out.push(...seqs(timeline.acceptLive(msg('r', 5)))); // live, overlapping the sync
    out.push(...seqs(timeline.acceptSyncBatch([msg('r', 5), msg('r', 6)])));
    out.push(...seqs(timeline.finishSync([room('r', 6)])));
    out.push(...seqs(timeline.acceptLive(msg('r', 6))));
    out.push(...seqs(timeline.acceptLive(msg('r', 7))));
    expect(out).toEqual([3, 4, 5, 6, 7]);
  });

  it('no gap fill is asked for during a sync; after sync.done the gap is filled', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore());
    timeline.beginSync();
    timeline.acceptLive(msg('r', 9));
    expect(timeline.hasFillsToTake).toBe(false);
    expect(timeline.takeFills()).toEqual([]);
    timeline.finishSync([room('r', 8)]);
    expect(timeline.takeFills()).toEqual([{ room: 'r', before: 9, limit: 8 }]);
  });

  it('a truncated room jumps to just below the first seq the sync sent, instead of paging back', () => {
    const cursors = new MemoryCursorStore({ r: 5 });
    const timeline = new MessageTimeline(cursors);
    timeline.beginSync();
    const out: number[] = [];
    out.push(...seqs(timeline.acceptLive(msg('r', 3001)))); // live during the sync
    for (let start = 2001; start <= 3000; start += 100) {
      out.push(...seqs(timeline.acceptSyncBatch(range(start, start + 99).map((seq) => msg('r', seq)))));
    }
    expect(out).toEqual([]);
    out.push(...seqs(timeline.finishSync([room('r', 3000, { truncated: true })])));
    expect(out).toEqual(range(2001, 3001));
    expect(cursors.get('r')).toBe(3001);
    expect(timeline.takeFills()).toEqual([]);
  });

  it('a sync.done with hasMore ends a page: truncation jumps apply, gap fills wait for the last page', () => {
    const cursors = new MemoryCursorStore({ a: 5 });
    const timeline = new MessageTimeline(cursors);
    timeline.beginSync();
    const out: number[] = [];
    for (let start = 2001; start <= 3000; start += 100)
      out.push(...seqs(timeline.acceptSyncBatch(range(start, start + 99).map((seq) => msg('a', seq)))));
    // The page stopped before room b: b has a gap below its lastSeq, which the next page fills, not history.
    out.push(...seqs(timeline.finishSync([room('a', 3000, { truncated: true }), room('b', 40)], true)));
    expect(out).toEqual(range(2001, 3000));
    expect(cursors.all()).toEqual({ a: 3000 });
    expect(timeline.isSyncing).toBe(true);
    expect(timeline.takeFills()).toEqual([]);
    timeline.acceptSyncBatch(range(1, 40).map((seq) => msg('b', seq)));
    timeline.finishSync([room('a', 3000), room('b', 40)]);
    expect(cursors.all()).toEqual({ a: 3000, b: 40 });
    expect(timeline.isSyncing).toBe(false);
    expect(timeline.takeFills()).toEqual([]);
  });

  it('a room that is not truncated is filled up to the lastSeq sync.done reported', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore({ r: 5 }));
    timeline.beginSync();
    timeline.acceptSyncBatch([msg('r', 6)]);
    timeline.finishSync([room('r', 10)]);
    expect(timeline.takeFills()).toEqual([{ room: 'r', before: 11, limit: 4 }]);
  });

  it('a gap is filled with history below the lowest held seq, at most 100 per page, until filled', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore({ r: 10 }));
    expect(timeline.acceptLive(msg('r', 261))).toEqual([]);
    const asked: GapFill[] = [];
    const out: number[] = [];
    for (let pages = 0; pages < 10; pages++) {
      const [fill] = timeline.takeFills();
      if (!fill) break;
      asked.push(fill);
      expect(timeline.takeFills()).toEqual([]); // one page in flight per room
      out.push(...seqs(timeline.acceptFill(fill, serve(fill, 261)).delivered));
    }
    expect(asked).toEqual([
      { room: 'r', before: 261, limit: 100 },
      { room: 'r', before: 161, limit: 100 },
      { room: 'r', before: 61, limit: 50 },
    ]);
    expect(out).toEqual(range(11, 261));
    expect(timeline.cursor('r')).toBe(261);
  });

  it('a live seq 57 in a room this device never synced is gap-filled from 1', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore());
    timeline.acceptLive(msg('new', 57));
    const [fill] = timeline.takeFills();
    expect(fill).toEqual({ room: 'new', before: 57, limit: 56 });
    expect(seqs(timeline.acceptFill(fill!, serve(fill!, 57)).delivered)).toEqual(range(1, 57));
  });

  it('an empty history page skips the seqs the server does not have instead of stalling', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore({ r: 3 }));
    timeline.acceptLive(msg('r', 9));
    const [fill] = timeline.takeFills();
    const outcome = timeline.acceptFill(fill!, []);
    expect(outcome.skipped).toEqual({ room: 'r', from: 4, to: 8 });
    expect(seqs(outcome.delivered)).toEqual([9]);
    expect(timeline.takeFills()).toEqual([]);
  });

  it('a page with only old messages is no progress and is skipped too', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore({ r: 3 }));
    timeline.acceptLive(msg('r', 6));
    const [fill] = timeline.takeFills();
    const outcome = timeline.acceptFill(fill!, [msg('r', 2), msg('r', 3)]);
    expect(outcome.skipped).toEqual({ room: 'r', from: 4, to: 5 });
  });

  it('a failed fill waits for the next message of the room before asking again', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore());
    timeline.acceptLive(msg('r', 3));
    const [fill] = timeline.takeFills();
    timeline.failFill(fill!);
    expect(timeline.hasFillsToTake).toBe(false);
    timeline.acceptLive(msg('r', 4));
    expect(timeline.takeFills()).toEqual([{ room: 'r', before: 3, limit: 2 }]);
  });

  it('a lost connection frees the rooms whose fill was in flight', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore());
    timeline.acceptLive(msg('r', 3));
    expect(timeline.takeFills()).toHaveLength(1);
    timeline.connectionLost();
    expect(timeline.takeFills()).toHaveLength(1);
  });

  it('leaving a room forgets what was held or expected for it', () => {
    const timeline = new MessageTimeline(new MemoryCursorStore({ r: 1 }));
    timeline.acceptLive(msg('r', 5));
    timeline.forgetRoom('r');
    expect(timeline.heldSeqs('r')).toEqual([]);
    expect(timeline.takeFills()).toEqual([]);
    expect(timeline.cursor('r')).toBe(1);
  });

  it('a random mix of live, duplicated, lost and reordered frames ends complete and in order', () => {
    let state = 7;
    const random = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let round = 0; round < 100; round++) {
      const rooms = ['a', 'b', 'c'];
      const last: Record<string, number> = { a: 40, b: 7, c: 130 };
      const timeline = new MessageTimeline(new MemoryCursorStore());
      const delivered: Record<string, number[]> = { a: [], b: [], c: [] };
      const record = (ms: readonly Message[]) => ms.forEach((x) => delivered[x.room]!.push(x.seq));
      // The wire: each message may be lost, doubled, or arrive late.
      const wire: Message[] = [];
      for (const r of rooms) {
        for (let seq = 1; seq <= last[r]!; seq++) {
          if (random() < 0.15) continue;
          wire.push(msg(r, seq));
          if (random() < 0.1) wire.push(msg(r, seq));
        }
      }
      for (let i = 0; i < wire.length - 1; i++) {
        if (random() < 0.2) [wire[i], wire[i + 1]] = [wire[i + 1]!, wire[i]!];
      }
      // A sync in the middle of the stream, reporting lastSeq of what was written so far.
      const half = Math.floor(wire.length / 2);
      wire.slice(0, half).forEach((x) => record(timeline.acceptLive(x)));
      timeline.beginSync();
      record(timeline.acceptSyncBatch(wire.slice(half, half + 5)));
      record(
        timeline.finishSync(
          rooms.map((r) =>
            room(
              r,
              Math.max(
                0,
                ...wire
                  .slice(0, half + 5)
                  .filter((x) => x.room === r)
                  .map((x) => x.seq),
              ),
            ),
          ),
        ),
      );
      for (const x of wire.slice(half + 5)) {
        record(timeline.acceptLive(x));
        // The client asks for fills as it goes; the server answers some pages late.
        for (const fill of timeline.takeFills())
          record(timeline.acceptFill(fill, serve(fill, last[fill.room]!)).delivered);
      }
      for (let i = 0; i < 50; i++) {
        timeline.beginSync();
        record(timeline.finishSync(rooms.map((r) => room(r, last[r]!))));
        const fills = timeline.takeFills();
        if (fills.length === 0) break;
        for (const fill of fills) record(timeline.acceptFill(fill, serve(fill, last[fill.room]!)).delivered);
      }
      for (const r of rooms) expect(delivered[r]).toEqual(range(1, last[r]!));
    }
  });
});
