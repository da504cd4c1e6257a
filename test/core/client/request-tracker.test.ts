import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatError } from '../../../src/core/client/chat-error.js';
import type { InboundFrame } from '../../../src/core/client/frames.js';
import { RequestTracker, type RequestHandler } from '../../../src/core/client/request-tracker.js';

function recorder(lastOn?: string) {
  const replies: InboundFrame[] = [];
  const failures: ChatError[] = [];
  const handler: RequestHandler = {
    onReply: (frame) => {
      replies.push(frame);
      return lastOn === undefined || frame.type === lastOn;
    },
    onFail: (error) => failures.push(error),
  };
  return { replies, failures, handler };
}

describe('request tracker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a reply goes to the request with its id; an error frame fails it with its code', () => {
    const tracker = new RequestTracker(1000);
    const a = recorder();
    const b = recorder();
    tracker.track('1', { type: 'ping', id: '1' }, a.handler, true);
    tracker.track('2', { type: 'ping', id: '2' }, b.handler, true);
    expect(tracker.route('1', { type: 'pong', id: '1' })).toBe(true);
    expect(tracker.route('2', { type: 'error', id: '2', code: 'forbidden', message: 'no' })).toBe(true);
    expect(tracker.route('3', { type: 'pong', id: '3' })).toBe(false);
    expect(a.replies).toHaveLength(1);
    expect(b.failures.map((e) => e.code)).toEqual(['forbidden']);
    expect(tracker.size).toBe(0);
  });

  it('a streamed reply stays tracked until its last frame', () => {
    const tracker = new RequestTracker(1000);
    const r = recorder('sync.done');
    tracker.track('s', { type: 'sync', id: 's', since: {} }, r.handler, true);
    tracker.route('s', { type: 'sync.batch', id: 's', messages: [] });
    expect(tracker.has('s')).toBe(true);
    tracker.route('s', { type: 'sync.done', id: 's', rooms: [] });
    expect(tracker.has('s')).toBe(false);
  });

  it('time out after timeoutMs, oldest first, with one timer', () => {
    const tracker = new RequestTracker(1000);
    const a = recorder();
    const b = recorder();
    tracker.track('1', { type: 'ping', id: '1' }, a.handler, true);
    vi.advanceTimersByTime(400);
    tracker.track('2', { type: 'ping', id: '2' }, b.handler, true);
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(600);
    expect(a.failures.map((e) => e.code)).toEqual(['timeout']);
    expect(b.failures).toEqual([]);
    vi.advanceTimersByTime(400);
    expect(b.failures.map((e) => e.code)).toEqual(['timeout']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('touch restarts the deadline of a streaming request', () => {
    const tracker = new RequestTracker(1000);
    const r = recorder('sync.done');
    tracker.track('s', { type: 'sync', id: 's' }, r.handler, true);
    vi.advanceTimersByTime(900);
    tracker.touch('s');
    vi.advanceTimersByTime(900);
    expect(r.failures).toEqual([]);
    vi.advanceTimersByTime(100);
    expect(r.failures.map((e) => e.code)).toEqual(['timeout']);
  });

  it('no timer is left once nothing is pending', () => {
    const tracker = new RequestTracker(1000);
    tracker.track('1', { type: 'ping', id: '1' }, recorder().handler, true);
    tracker.route('1', { type: 'pong', id: '1' });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a lost connection fails what was written and keeps what waits for the next one', () => {
    const tracker = new RequestTracker(1000);
    const written = recorder();
    const waiting = recorder();
    tracker.track('1', { type: 'ping', id: '1' }, written.handler, true);
    let made = 0;
    const errorOf = () => {
      made++;
      return { code: 'disconnected' } as ChatError;
    };
    tracker.connectionLost(errorOf);
    tracker.track('2', { type: 'rooms.list', id: '2' }, waiting.handler, false);
    // Nothing written waits: a loss makes no error at all.
    tracker.connectionLost(errorOf);
    expect(made).toBe(1);
    expect(written.failures.map((e) => e.code)).toEqual(['disconnected']);
    expect(tracker.takeUnsent()).toEqual([{ type: 'rooms.list', id: '2' }]);
    expect(tracker.takeUnsent()).toEqual([]);
  });

  it('failAll fails everything once', () => {
    const tracker = new RequestTracker(1000);
    const a = recorder();
    tracker.track('1', { type: 'ping', id: '1' }, a.handler, false);
    tracker.failAll({ code: 'closed' } as ChatError);
    tracker.failAll({ code: 'closed' } as ChatError);
    expect(a.failures).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
