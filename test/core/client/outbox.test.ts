import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChatError } from '../../../src/core/client/chat-error.js';
import type { WebSocketTransport } from '../../../src/core/client/websocket-transport.js';
import type { OutboundFrame } from '../../../src/core/client/frames.js';
import { Outbox, checkBody } from '../../../src/core/client/outbox.js';
import { DEFAULT_LIMITS } from '../../../src/core/protocol/index.js';

/** A wire whose connection only records what is written. */
function stubWire() {
  const written: OutboundFrame[] = [];
  let online = false;
  let n = 0;
  const conn = { send: (frame: OutboundFrame) => (written.push(frame), true) } as unknown as WebSocketTransport;
  return {
    written,
    setOnline: (value: boolean) => {
      online = value;
    },
    wire: { writable: () => (online ? conn : undefined), nextRequestId: () => `q${++n}` },
  };
}

describe('outbox', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends made offline are written in order once a connection is ready', () => {
    const { wire, written, setOnline } = stubWire();
    const outbox = new Outbox({ sendQueueLimit: 10, maxSendRetries: 2 }, wire);
    void outbox.submit('r', 'a', 'm1', DEFAULT_LIMITS);
    void outbox.submit('r', 'b', 'm2', DEFAULT_LIMITS);
    expect(written).toEqual([]);
    setOnline(true);
    outbox.flush();
    expect(written).toEqual([
      { type: 'send', id: 'q1', room: 'r', clientMsgId: 'm1', body: 'a' },
      { type: 'send', id: 'q2', room: 'r', clientMsgId: 'm2', body: 'b' },
    ]);
  });

  it('rate_limited holds the queue with one timer, then writes the send again', async () => {
    const { wire, written, setOnline } = stubWire();
    setOnline(true);
    const outbox = new Outbox({ sendQueueLimit: 10, maxSendRetries: 2 }, wire);
    const sent = outbox.submit('r', 'a', 'm1', DEFAULT_LIMITS);
    expect(outbox.refused({ type: 'error', id: 'q1', code: 'rate_limited', message: 'slow', retryAfterMs: 300 })).toBe(
      true,
    );
    void outbox.submit('r', 'b', 'm2', DEFAULT_LIMITS);
    expect(written.map((f) => f.type === 'send' && f.clientMsgId)).toEqual(['m1']);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(300);
    expect(written.map((f) => f.type === 'send' && f.clientMsgId)).toEqual(['m1', 'm1', 'm2']);
    outbox.acknowledge('m1')?.settle.resolve({ room: 'r', clientMsgId: 'm1', msgId: 'x', seq: 1, ts: 1 });
    await expect(sent).resolves.toMatchObject({ seq: 1 });
  });

  it('tells of each "try later" it takes (the send was not queued, so later ones may be numbered first)', () => {
    const { wire, setOnline } = stubWire();
    setOnline(true);
    const retries: unknown[] = [];
    const outbox = new Outbox({ sendQueueLimit: 10, maxSendRetries: 2 }, wire, (retry) => retries.push(retry));
    void outbox.submit('r', 'a', 'm1', DEFAULT_LIMITS).catch(() => {});
    outbox.refused({ type: 'error', id: 'q1', code: 'unavailable', message: 'busy', retryAfterMs: 1000 });
    expect(retries).toEqual([{ room: 'r', clientMsgId: 'm1', code: 'unavailable', retryAfterMs: 1000 }]);
    // A refusal for good is not a retry.
    void outbox.submit('r', 'b', 'm2', DEFAULT_LIMITS).catch(() => {});
    vi.advanceTimersByTime(1000);
    outbox.refused({ type: 'error', id: 'q3', code: 'forbidden', message: 'no' });
    expect(retries).toHaveLength(1);
    outbox.close(new ChatError('closed', 'test over'));
  });

  it('unavailable without retryAfterMs waits 1 s, 2 s, 4 s ... up to 10 s, then gives up', async () => {
    const { wire, written, setOnline } = stubWire();
    setOnline(true);
    const outbox = new Outbox({ sendQueueLimit: 10, maxSendRetries: 5 }, wire);
    const sent = outbox.submit('r', 'a', 'm1', DEFAULT_LIMITS).catch((e: unknown) => e);
    const waits: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const last = written.at(-1)!;
      outbox.refused({ type: 'error', id: last.type === 'send' ? last.id! : '', code: 'unavailable', message: 'busy' });
      let waited = 0;
      while (written.length === attempt + 1) {
        vi.advanceTimersByTime(100);
        waited += 100;
      }
      waits.push(waited);
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10_000]);
    const last = written.at(-1)!;
    outbox.refused({ type: 'error', id: last.type === 'send' ? last.id! : '', code: 'unavailable', message: 'busy' });
    expect(await sent).toMatchObject({ code: 'unavailable' });
  });

  it('an error for a request id that is not a send is left to others', () => {
    const { wire } = stubWire();
    const outbox = new Outbox({ sendQueueLimit: 10, maxSendRetries: 2 }, wire);
    expect(outbox.refused({ type: 'error', id: 'zz', code: 'forbidden', message: 'no' })).toBe(false);
    expect(outbox.refused({ type: 'error', code: 'internal', message: 'no' })).toBe(false);
  });

  it('close rejects every pending send and clears the hold', async () => {
    const { wire, setOnline } = stubWire();
    setOnline(true);
    const outbox = new Outbox({ sendQueueLimit: 10, maxSendRetries: 2 }, wire);
    const sent = outbox.submit('r', 'a', 'm1', DEFAULT_LIMITS);
    outbox.refused({ type: 'error', id: 'q1', code: 'rate_limited', message: 'slow', retryAfterMs: 300 });
    outbox.close(new ChatError('closed', 'closed'));
    await expect(sent).rejects.toThrow('closed');
    expect(vi.getTimerCount()).toBe(0);
    expect(outbox.size).toBe(0);
  });

  it('a body is refused when over maxBodyChars or when its frame would pass maxFrameBytes', () => {
    expect(checkBody('x'.repeat(4000), DEFAULT_LIMITS)).toBeUndefined();
    expect(checkBody('x'.repeat(4001), DEFAULT_LIMITS)?.code).toBe('too_large');
    expect(checkBody('😀'.repeat(2000), DEFAULT_LIMITS)).toBeUndefined(); // 4000 code units, 8000 bytes
    expect(checkBody('"'.repeat(4000), DEFAULT_LIMITS)).toBeUndefined(); // escaped: 8000 bytes
    expect(checkBody('\u0001'.repeat(4000), DEFAULT_LIMITS)?.code).toBe('too_large'); // escaped: 24000 bytes
  });
});
