import { describe, expect, it } from 'vitest';
import { EarlyFrames } from '../../../src/nodes/gateway/early-frames.js';

const frame = (bytes: number) => Buffer.alloc(bytes, 0x61);

describe('gateway - frames before welcome', () => {
  it('up to maxFrames are kept and handed back in arrival order, then the buffer is empty', () => {
    const early = new EarlyFrames(3, 1000);
    for (const text of ['a', 'b', 'c']) expect(early.add(Buffer.from(text))).toBe(true);
    expect(early.take().map((data) => data.toString())).toEqual(['a', 'b', 'c']);
    expect(early.size).toBe(0);
    expect(early.take()).toEqual([]);
  });

  it('the frame after maxFrames overflows, and nothing is kept any more', () => {
    const early = new EarlyFrames(3, 1000);
    for (let i = 0; i < 3; i++) early.add(frame(1));
    expect(early.add(frame(1))).toBe(false);
    expect(early.size).toBe(0);
    expect(early.add(frame(1)), 'after an overflow every frame is refused').toBe(false);
  });

  it('bytes count: exactly maxBytes is kept, one byte more overflows', () => {
    const exact = new EarlyFrames(100, 1000);
    expect(exact.add(frame(600))).toBe(true);
    expect(exact.add(frame(400))).toBe(true);
    const over = new EarlyFrames(100, 1000);
    over.add(frame(600));
    expect(over.add(frame(401))).toBe(false);
  });

  it("the bounds are one long-poll POST's: 100 frames, 8 x maxFrameBytes with a 64 KiB floor", () => {
    expect(EarlyFrames.forFrameLimit(16_384)).toMatchObject({ maxFrames: 100, maxBytes: 131_072 });
    expect(EarlyFrames.forFrameLimit(1000)).toMatchObject({ maxFrames: 100, maxBytes: 65_536 });
  });
});
