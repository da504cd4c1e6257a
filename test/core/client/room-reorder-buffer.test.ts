import { describe, expect, it } from 'vitest';
import { RoomReorderBuffer } from '../../../src/core/client/room-reorder-buffer.js';

type M = { seq: number; tag?: string };
const m = (seq: number, tag?: string): M => (tag === undefined ? { seq } : { seq, tag });
const seqs = (ms: readonly M[]) => ms.map((x) => x.seq);

/** Feeds messages and collects every delivery. */
function feed(buffer: RoomReorderBuffer<M>, input: number[]): number[] {
  const out: number[] = [];
  for (const seq of input) out.push(...seqs(buffer.accept(m(seq))));
  return out;
}

function permutations(items: number[]): number[][] {
  if (items.length <= 1) return [items];
  const result: number[][] = [];
  items.forEach((item, i) => {
    for (const rest of permutations([...items.slice(0, i), ...items.slice(i + 1)])) result.push([item, ...rest]);
  });
  return result;
}

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('reorder buffer', () => {
  it('the next seq is delivered at once and moves the cursor', () => {
    const buffer = new RoomReorderBuffer<M>();
    expect(seqs(buffer.accept(m(1)))).toEqual([1]);
    expect(seqs(buffer.accept(m(2)))).toEqual([2]);
    expect(buffer.cursor).toBe(2);
    expect(buffer.gap()).toBeUndefined();
  });

  it('a seq at or below the cursor is a duplicate and is dropped', () => {
    const buffer = new RoomReorderBuffer<M>(5);
    expect(buffer.accept(m(5))).toEqual([]);
    expect(buffer.accept(m(1))).toEqual([]);
    expect(seqs(buffer.accept(m(6)))).toEqual([6]);
    expect(buffer.accept(m(6))).toEqual([]);
    expect(buffer.cursor).toBe(6);
  });

  it('a seq ahead is held, and the run is released when the gap fills', () => {
    const buffer = new RoomReorderBuffer<M>(10);
    expect(buffer.accept(m(13))).toEqual([]);
    expect(buffer.accept(m(12))).toEqual([]);
    expect(buffer.heldSeqs()).toEqual([12, 13]);
    expect(buffer.gap()).toEqual({ before: 12, count: 1 });
    expect(seqs(buffer.accept(m(11)))).toEqual([11, 12, 13]);
    expect(buffer.heldCount).toBe(0);
    expect(buffer.gap()).toBeUndefined();
  });

  it('a held duplicate keeps the first copy', () => {
    const buffer = new RoomReorderBuffer<M>();
    buffer.accept(m(3, 'first'));
    buffer.accept(m(3, 'second'));
    buffer.accept(m(2));
    const delivered = buffer.accept(m(1));
    expect(delivered.map((x) => x.tag)).toEqual([undefined, undefined, 'first']);
  });

  it('every arrival order of 1..6 delivers 1..6 once, in order', () => {
    for (const order of permutations([1, 2, 3, 4, 5, 6])) {
      const buffer = new RoomReorderBuffer<M>();
      expect(feed(buffer, order)).toEqual([1, 2, 3, 4, 5, 6]);
    }
  });

  it('every arrival order with every message sent twice still delivers each once', () => {
    for (const order of permutations([1, 2, 3, 4, 5])) {
      const buffer = new RoomReorderBuffer<M>();
      const doubled = order.flatMap((seq, i) => [seq, order[(i + 2) % order.length]!]);
      expect(feed(buffer, doubled)).toEqual([1, 2, 3, 4, 5]);
    }
  });

  it('random streams with duplicates and reordering deliver each seq exactly once', () => {
    const random = prng(42);
    for (let round = 0; round < 300; round++) {
      const n = 1 + Math.floor(random() * 60);
      const start = Math.floor(random() * 5);
      const input: number[] = [];
      for (let seq = 1; seq <= n; seq++) {
        input.push(seq);
        if (random() < 0.3) input.push(seq); // repeat
      }
      for (let i = input.length - 1; i > 0; i--) {
        const j = Math.floor(random() * (i + 1));
        [input[i], input[j]] = [input[j]!, input[i]!];
      }
      const buffer = new RoomReorderBuffer<M>(start);
      const expected = Array.from({ length: Math.max(0, n - start) }, (_, i) => start + 1 + i);
      expect(feed(buffer, input)).toEqual(expected);
      expect(buffer.cursor).toBe(Math.max(n, start));
    }
  });

  it('holding is bounded: the lowest seqs are kept and the dropped ones stay known', () => {
    const buffer = new RoomReorderBuffer<M>(0, 3);
    feed(buffer, [5, 6, 7, 8, 4]);
    expect(buffer.heldSeqs()).toEqual([4, 5, 6]);
    expect(buffer.highestKnown).toBe(8);
    expect(buffer.gap()).toEqual({ before: 4, count: 3 });
    expect(feed(buffer, [1, 2, 3])).toEqual([1, 2, 3, 4, 5, 6]);
    // 7 and 8 were dropped but are known to exist: the gap now reaches up to them.
    expect(buffer.gap()).toEqual({ before: 9, count: 2 });
    expect(feed(buffer, [7, 8])).toEqual([7, 8]);
    expect(buffer.gap()).toBeUndefined();
  });

  it('a jump passes skipped seqs, drops what it passes and drains the rest', () => {
    const buffer = new RoomReorderBuffer<M>(5);
    feed(buffer, [1001, 1002, 1004, 900]);
    expect(seqs(buffer.jumpTo(1000))).toEqual([1001, 1002]);
    expect(buffer.cursor).toBe(1002);
    expect(buffer.heldSeqs()).toEqual([1004]);
    expect(buffer.jumpTo(10)).toEqual([]); // never backwards
    expect(buffer.cursor).toBe(1002);
  });

  it('a known lastSeq above the cursor is a gap even with nothing held', () => {
    const buffer = new RoomReorderBuffer<M>(3);
    buffer.noteExists(2);
    expect(buffer.gap()).toBeUndefined();
    buffer.noteExists(7);
    expect(buffer.gap()).toEqual({ before: 8, count: 4 });
    buffer.forgetAbove();
    expect(buffer.gap()).toBeUndefined();
  });
});
