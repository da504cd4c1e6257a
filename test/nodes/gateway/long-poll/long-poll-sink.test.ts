import { describe, expect, it } from 'vitest';
import { LongPollSink } from '../../../../src/nodes/gateway/long-poll/long-poll-sink.js';

const never = () => new AbortController().signal;

describe('long-poll sink', () => {
  it('long-poll sink - a held poll is answered by the frames written in the same turn, together', async () => {
    const sink = new LongPollSink(() => {});
    const held = sink.poll(0, 5000, never());
    expect(sink.pollHeld).toBe(true);
    sink.send('{"n":1}');
    sink.send('{"n":2}');
    expect(await held).toEqual({ cursor: 2, frames: ['{"n":1}', '{"n":2}'], more: false });
    expect(sink.pollHeld).toBe(false);
  });

  it('long-poll sink - with nothing to send, a poll is answered empty after its wait', async () => {
    const sink = new LongPollSink(() => {});
    const started = Date.now();
    expect(await sink.poll(0, 60, never())).toEqual({ cursor: 0, frames: [], more: false });
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('long-poll sink - a newer poll answers the held one at once', async () => {
    const sink = new LongPollSink(() => {});
    const first = sink.poll(0, 5000, never());
    const second = sink.poll(0, 5000, never());
    expect(await first).toEqual({ cursor: 0, frames: [], more: false });
    sink.send('"x"');
    expect(await second).toEqual({ cursor: 1, frames: ['"x"'], more: false });
  });

  it('long-poll sink - the client counts as heard while its poll is held, and from when it went away', async () => {
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

  it('long-poll sink - closing answers the held poll with the last frames and the close, once', async () => {
    const closes: Array<[number, string]> = [];
    const sink = new LongPollSink((code, reason) => closes.push([code, reason]));
    const held = sink.poll(0, 5000, never());
    sink.send('{"type":"goaway","reconnectInMs":300}');
    sink.close(1012, 'server restart');
    sink.close(4408, 'again');
    expect(await held).toEqual({ cursor: 1, frames: ['{"type":"goaway","reconnectInMs":300}'], more: false, closed: { code: 1012, reason: 'server restart' } });
    expect(closes).toEqual([[1012, 'server restart']]);
    expect(sink.isOpen).toBe(false);
    // A late retry with the old cursor still learns the same.
    expect((await sink.poll(0, 5000, never())).closed).toEqual({ code: 1012, reason: 'server restart' });
  });

  it('long-poll sink - unacknowledged frames are its buffered amount until a poll acknowledges them', async () => {
    const sink = new LongPollSink(() => {});
    sink.send('12345');
    expect(sink.bufferedAmount).toBe(5);
    const answer = await sink.poll(0, 0, never());
    expect(sink.bufferedAmount).toBe(5);
    await sink.poll(answer.cursor, 0, never());
    expect(sink.bufferedAmount).toBe(0);
  });
});
