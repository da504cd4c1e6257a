import { describe, expect, it } from 'vitest';
import { LongPollSink } from '../../../../src/nodes/gateway/long-poll/long-poll-sink.js';

const never = () => new AbortController().signal;

describe('long-poll sink', () => {
  it('a held poll is answered by the frames written in the same turn, together', async () => {
    const sink = new LongPollSink(() => {});
    const held = sink.poll(0, 5000, never());
    expect(sink.pollHeld).toBe(true);
    sink.send('{"n":1}');
    sink.send('{"n":2}');
    expect(await held).toEqual({ cursor: 2, frames: ['{"n":1}', '{"n":2}'], more: false });
    expect(sink.pollHeld).toBe(false);
  });

  it('with nothing to send, a poll is answered empty after its wait', async () => {
    const sink = new LongPollSink(() => {});
    const started = Date.now();
    expect(await sink.poll(0, 60, never())).toEqual({ cursor: 0, frames: [], more: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('a newer poll answers the held one at once', async () => {
    const sink = new LongPollSink(() => {});
    const first = sink.poll(0, 5000, never());
    const second = sink.poll(0, 5000, never());
    expect(await first).toEqual({ cursor: 0, frames: [], more: false });
    sink.send('"x"');
    expect(await second).toEqual({ cursor: 1, frames: ['"x"'], more: false });
  });

  it('the client counts as heard while its poll is held, and from when it went away', async () => {
    const sink = new LongPollSink(() => {});
    const gone = new AbortController();
    void sink.poll(0, 5000, gone.signal);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(Date.now() - sink.lastHeardAt).toBeLessThan(5);
    gone.abort();
    expect(sink.pollHeld).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(Date.now() - sink.lastHeardAt).toBeGreaterThanOrEqual(25);
  });

  it('closing answers the held poll with the last frames and the close, once', async () => {
    const closes: Array<[number, string]> = [];
    const sink = new LongPollSink((code, reason) => closes.push([code, reason]));
    const held = sink.poll(0, 5000, never());
    sink.send('{"type":"goaway","reconnectInMs":300}');
    sink.close(1012, 'server restart');
    sink.close(4408, 'again');
    expect(await held).toEqual({
      cursor: 1,
      frames: ['{"type":"goaway","reconnectInMs":300}'],
      more: false,
      closed: { code: 1012, reason: 'server restart' },
    });
    expect(closes).toEqual([[1012, 'server restart']]);
    expect(sink.isOpen).toBe(false);
    // A late retry with the old cursor still learns the same.
    expect((await sink.poll(0, 5000, never())).closed).toEqual({ code: 1012, reason: 'server restart' });
  });

  it('a session closed with a big backlog drops it: later polls learn only the close', async () => {
    const sink = new LongPollSink(() => {});
    const frame = JSON.stringify({ type: 'msg', pad: 'x'.repeat(16 * 1024) });
    for (let i = 0; i < 64; i++) sink.send(frame);
    const first = await sink.poll(0, 0, never());
    expect(first.frames.length).toBeGreaterThan(0);
    sink.close(1013, 'too far behind');
    // The frames would linger for the presence timeout, after the session gave its admission slot back.
    expect(sink.bufferedAmount).toBe(0);
    expect(await sink.poll(first.cursor, 0, never())).toEqual({
      cursor: first.cursor,
      frames: [],
      more: false,
      closed: { code: 1013, reason: 'too far behind' },
    });
    // A repeated poll (its answer was lost) learns the same.
    expect(await sink.poll(first.cursor, 5000, never())).toMatchObject({ frames: [], closed: { code: 1013 } });
  });

  it('a session closed with a few small frames waiting keeps them for the late poll', async () => {
    const sink = new LongPollSink(() => {});
    sink.send('{"type":"error","code":"unauthorized"}');
    sink.close(4401, 'token expired');
    expect(await sink.poll(0, 0, never())).toEqual({
      cursor: 1,
      frames: ['{"type":"error","code":"unauthorized"}'],
      more: false,
      closed: { code: 4401, reason: 'token expired' },
    });
  });

  it('unacknowledged frames are its buffered amount until a poll acknowledges them', async () => {
    const sink = new LongPollSink(() => {});
    sink.send('12345');
    expect(sink.bufferedAmount).toBe(5);
    const answer = await sink.poll(0, 0, never());
    expect(sink.bufferedAmount).toBe(5);
    await sink.poll(answer.cursor, 0, never());
    expect(sink.bufferedAmount).toBe(0);
  });
});
