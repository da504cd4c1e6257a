import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { DeferredCacheWrites } from '../../../src/nodes/fanout/deferred-cache-writes.js';
import type { HistoryCache } from '../../../src/core/cache/history-cache.js';
import type { Message } from '../../../src/core/protocol/server-frames.js';

const message = (seq: number): Message => ({
  room: 'r',
  seq,
  msgId: `m${seq}`,
  sender: 'a',
  senderDevice: 'd',
  clientMsgId: `c${seq}`,
  body: 'x',
  ts: 1,
});

/** A cache whose appends the test finishes by hand. */
function manualCache() {
  const writes: Array<{ seqs: number[]; finish: () => void; fail: () => void }> = [];
  const cache = {
    append: (messages: Message[]) =>
      new Promise<void>((resolve, reject) =>
        writes.push({ seqs: messages.map((m) => m.seq), finish: resolve, fail: () => reject(new Error('redis down')) }),
      ),
  } as unknown as HistoryCache;
  return { writes, cache };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('core - deferred cache writes', () => {
  it('writes what gathered within the window in one append, and what came during it in the next', async () => {
    const { writes, cache } = manualCache();
    const deferred = new DeferredCacheWrites(cache, pino({ level: 'silent' }), { windowMs: 20 });
    deferred.add([message(1)]);
    deferred.add([message(2), message(3)]);
    expect(writes).toEqual([]);
    await sleep(40);
    expect(writes.map((w) => w.seqs)).toEqual([[1, 2, 3]]);
    deferred.add([message(4)]);
    await sleep(40);
    // One write at a time: the next waits for the one in flight.
    expect(writes).toHaveLength(1);
    writes[0]!.finish();
    await sleep(0);
    expect(writes.map((w) => w.seqs)).toEqual([[1, 2, 3], [4]]);
    writes[1]!.finish();
  });

  it('writes at once past maxMessages, and drops a failed write (the reads go to Postgres)', async () => {
    const { writes, cache } = manualCache();
    const warnings: string[] = [];
    const log = pino(
      { level: 'warn' },
      { write: (line: string) => void warnings.push((JSON.parse(line) as { msg: string }).msg) },
    );
    const deferred = new DeferredCacheWrites(cache, log, { windowMs: 10_000, maxMessages: 3 });
    deferred.add([message(1), message(2)]);
    await sleep(0);
    expect(writes).toEqual([]);
    deferred.add([message(3)]);
    await sleep(0);
    expect(writes.map((w) => w.seqs)).toEqual([[1, 2, 3]]);
    writes[0]!.fail();
    await sleep(0);
    expect(warnings).toEqual(['history cache write failed: reads of these messages go to Postgres']);
    deferred.add([message(4)]);
    const flushed = deferred.flush();
    await sleep(0);
    writes[1]!.finish();
    await flushed;
    expect(writes.map((w) => w.seqs)).toEqual([[1, 2, 3], [4]]);
  });

  it('while a write that timed out has not come back (Redis blackholed), drops the next ones without asking', async () => {
    const { writes, cache } = manualCache();
    const deferred = new DeferredCacheWrites(cache, pino({ level: 'silent' }), { windowMs: 5, timeoutMs: 20 });
    deferred.add([message(1)]);
    await sleep(50);
    expect(writes.map((w) => w.seqs)).toEqual([[1]]);
    deferred.add([message(2)]);
    await sleep(30);
    // Not asked: Redis has one write of ours it never answered.
    expect(writes).toHaveLength(1);
    writes[0]!.finish();
    await sleep(0);
    deferred.add([message(3)]);
    await sleep(30);
    expect(writes.map((w) => w.seqs)).toEqual([[1], [3]]);
    writes[1]!.finish();
  });
});
