import { describe, expect, it } from 'vitest';
import { CursorError, PollOutbox } from '../../../../src/nodes/gateway/long-poll/poll-outbox.js';

describe('poll outbox', () => {
  it('numbers frames from 1 and a cursor acknowledges everything up to it', () => {
    const outbox = new PollOutbox();
    for (const text of ['{"a":1}', '{"b":2}', '{"c":3}']) outbox.push(text);
    expect(outbox.read(1 << 20)).toEqual({ cursor: 3, frames: ['{"a":1}', '{"b":2}', '{"c":3}'], more: false });
    outbox.acknowledge(2);
    expect(outbox.read(1 << 20)).toEqual({ cursor: 3, frames: ['{"c":3}'], more: false });
    expect(outbox.bytes).toBe(Buffer.byteLength('{"c":3}'));
    outbox.acknowledge(3);
    expect(outbox.read(1 << 20)).toEqual({ cursor: 3, frames: [], more: false });
    expect(outbox.bytes).toBe(0);
  });

  it('a retried poll with the same cursor gets the same frames, and none twice after', () => {
    const outbox = new PollOutbox();
    outbox.push('1');
    outbox.acknowledge(0);
    const lost = outbox.read(1 << 20);
    outbox.push('2');
    outbox.acknowledge(0); // the retry: the answer above never arrived
    const retried = outbox.read(1 << 20);
    expect(retried.frames.slice(0, lost.frames.length)).toEqual(lost.frames);
    expect(retried).toEqual({ cursor: 2, frames: ['1', '2'], more: false });
    outbox.acknowledge(retried.cursor);
    outbox.push('3');
    expect(outbox.read(1 << 20)).toEqual({ cursor: 3, frames: ['3'], more: false });
  });

  it('an answer stops at the byte limit but always carries at least one frame', () => {
    const outbox = new PollOutbox();
    outbox.push('x'.repeat(10));
    outbox.push('y'.repeat(10));
    outbox.push('z'.repeat(10));
    expect(outbox.read(25)).toEqual({ cursor: 2, frames: ['x'.repeat(10), 'y'.repeat(10)], more: true });
    expect(outbox.read(5)).toEqual({ cursor: 1, frames: ['x'.repeat(10)], more: true });
  });

  it('cursors ahead of the newest frame, behind the acknowledged one, or not whole numbers are refused', () => {
    const outbox = new PollOutbox();
    outbox.push('a');
    outbox.push('b');
    outbox.acknowledge(1);
    expect(() => outbox.acknowledge(3)).toThrow(CursorError);
    expect(() => outbox.acknowledge(0)).toThrow(/behind/);
    expect(() => outbox.acknowledge(-1)).toThrow(CursorError);
    expect(() => outbox.acknowledge(1.5)).toThrow(CursorError);
    // A refused cursor changes nothing.
    expect(outbox.read(1 << 20)).toEqual({ cursor: 2, frames: ['b'], more: false });
  });

  it('dropping the pending frames keeps the numbering: any cursor up to the newest is answered empty', () => {
    const outbox = new PollOutbox();
    for (const text of ['a', 'b', 'c', 'd']) outbox.push(text);
    outbox.acknowledge(1);
    outbox.dropPending();
    expect(outbox.bytes).toBe(0);
    expect(outbox.pending).toBe(0);
    expect(outbox.read(1 << 20)).toEqual({ cursor: 1, frames: [], more: false });
    outbox.acknowledge(3);
    expect(outbox.read(1 << 20)).toEqual({ cursor: 3, frames: [], more: false });
    expect(() => outbox.acknowledge(5)).toThrow(CursorError);
  });

  it('keeps working across compaction of many acknowledged frames', () => {
    const outbox = new PollOutbox();
    for (let i = 1; i <= 5000; i++) {
      outbox.push(String(i));
      if (i % 7 === 0) outbox.acknowledge(i - 3);
    }
    // The last acknowledgement in the loop was 4995 (at 4998).
    expect(outbox.read(1 << 20)).toEqual({
      cursor: 5000,
      frames: ['4996', '4997', '4998', '4999', '5000'],
      more: false,
    });
    outbox.acknowledge(4997);
    expect(outbox.pending).toBe(3);
  });
});
