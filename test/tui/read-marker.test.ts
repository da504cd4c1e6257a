import { describe, expect, it } from 'vitest';
import { READ_DELAY_MS, ReadMarker, type SeenView } from '../../src/tui/read-marker.js';
import { FakeTimers } from '../core/client/fake-timers.js';

function marker() {
  const timers = new FakeTimers();
  const reads: Array<[string, number]> = [];
  let view: SeenView | undefined = { room: 'r', newestVisibleSeq: 5, visible: true };
  let fail = false;
  const reader = new ReadMarker(
    async (room, seq) => {
      reads.push([room, seq]);
      if (fail) throw new Error('offline');
    },
    () => view,
    timers,
  );
  return {
    timers,
    reads,
    reader,
    show: (next: SeenView | undefined) => (view = next),
    failNext: () => (fail = true),
  };
}

describe('tui - read marker', () => {
  it('what is on screen above the read position is marked read once, after a short delay', async () => {
    const { timers, reads, reader } = marker();
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 2, 3);
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 2, 3);
    expect(reads).toEqual([]);
    timers.advance(READ_DELAY_MS);
    expect(reads).toEqual([['r', 5]]);
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 2, 3);
    timers.advance(READ_DELAY_MS);
    expect(reads).toEqual([['r', 5]]);
  });

  it('nothing is read when nothing is unread, the terminal has no focus, or a panel covers it', () => {
    const { timers, reads, reader, show } = marker();
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 5, 0);
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: false }, 2, 3);
    timers.advance(READ_DELAY_MS);
    expect(reads).toEqual([]);
    // Seen, but covered by the time the delay is over.
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 2, 3);
    show({ room: 'r', newestVisibleSeq: 5, visible: false });
    timers.advance(READ_DELAY_MS);
    expect(reads).toEqual([]);
  });

  it('the position sent is what is visible when the delay ends', () => {
    const { timers, reads, reader, show } = marker();
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 2, 3);
    show({ room: 'r', newestVisibleSeq: 7, visible: true });
    timers.advance(READ_DELAY_MS);
    expect(reads).toEqual([['r', 7]]);
  });

  it('a failed read is tried again with the next frame', async () => {
    const { timers, reads, reader, failNext } = marker();
    failNext();
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 2, 3);
    timers.advance(READ_DELAY_MS);
    await new Promise((resolve) => setImmediate(resolve));
    reader.seen({ room: 'r', newestVisibleSeq: 5, visible: true }, 2, 3);
    timers.advance(READ_DELAY_MS);
    expect(reads).toEqual([
      ['r', 5],
      ['r', 5],
    ]);
  });
});
