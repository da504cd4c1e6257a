import { describe, expect, it } from 'vitest';
import { SendQueue } from '../../../src/core/client/send-queue.js';

function ids(): () => string {
  let n = 0;
  return () => `q${++n}`;
}

function fill(queue: SendQueue<string>, count: number): void {
  for (let i = 1; i <= count; i++) queue.enqueue('r', `m${i}`, `body ${i}`);
}

describe('send queue', () => {
  it('sends are written in order, each with a fresh request id, without waiting for acks', () => {
    const queue = new SendQueue<string>(10, 3);
    fill(queue, 3);
    const written = queue.takeWritable(0, ids());
    expect(written.map((e) => [e.clientMsgId, e.requestId])).toEqual([
      ['m1', 'q1'],
      ['m2', 'q2'],
      ['m3', 'q3'],
    ]);
    expect(queue.takeWritable(0, ids())).toEqual([]); // already on the wire
    queue.enqueue('r', 'm4', 'x');
    expect(queue.takeWritable(0, ids()).map((e) => e.clientMsgId)).toEqual(['m4']);
  });

  it('after a lost connection every unacked send is written again, same clientMsgId, original order', () => {
    const queue = new SendQueue<string>(10, 3);
    fill(queue, 4);
    const next = ids();
    queue.takeWritable(0, next);
    queue.acknowledge('m2');
    queue.connectionLost();
    queue.enqueue('r', 'm5', 'x'); // made while offline
    const again = queue.takeWritable(0, next);
    expect(again.map((e) => e.clientMsgId)).toEqual(['m1', 'm3', 'm4', 'm5']);
    expect(again.map((e) => e.body)).toEqual(['body 1', 'body 3', 'body 4', 'x']);
    expect(again.every((e) => e.state === 'sent')).toBe(true);
  });

  it('an ack is matched by clientMsgId, whichever request id it answers', () => {
    const queue = new SendQueue<string>(10, 3);
    fill(queue, 2);
    const next = ids();
    queue.takeWritable(0, next);
    queue.connectionLost();
    queue.takeWritable(0, next); // the resend: q3, q4
    expect(queue.byRequestId('q1')).toBeUndefined();
    expect(queue.byRequestId('q3')?.clientMsgId).toBe('m1');
    expect(queue.acknowledge('m1')?.clientMsgId).toBe('m1');
    expect(queue.acknowledge('m1')).toBeUndefined(); // a repeated ack settles nothing twice
    expect(queue.byRequestId('q3')).toBeUndefined();
    expect(queue.size).toBe(1);
  });

  it('is bounded by its limit', () => {
    const queue = new SendQueue<string>(2, 3);
    fill(queue, 2);
    expect(queue.enqueue('r', 'm3', 'x')).toBe('full');
    queue.acknowledge('m1');
    expect(queue.enqueue('r', 'm3', 'x')).not.toBe('full');
  });

  it('"try later" puts the send back in its place and holds the queue until retryAfterMs', () => {
    const queue = new SendQueue<string>(10, 3);
    fill(queue, 3);
    const next = ids();
    queue.takeWritable(1000, next);
    expect(queue.retryLater('m1', 500, 1000)).toBe('retry');
    expect(queue.retryLater('m2', 200, 1000)).toBe('retry'); // the later deadline wins
    expect(queue.heldUntil).toBe(1500);
    queue.enqueue('r', 'm4', 'x');
    expect(queue.takeWritable(1499, next)).toEqual([]);
    expect(queue.takeWritable(1500, next).map((e) => e.clientMsgId)).toEqual(['m1', 'm2', 'm4']);
    expect(queue.heldUntil).toBe(0);
  });

  it('frames dropped unread: every written send is written again after the wait, with no retry counted', () => {
    const queue = new SendQueue<string>(10, 1);
    fill(queue, 3);
    const next = ids();
    queue.takeWritable(1000, next);
    queue.acknowledge('m1');
    for (let i = 0; i < 3; i++) {
      queue.framesDropped(1000, 1000 + i * 1000);
      expect(queue.byRequestId('q2')).toBeUndefined();
      expect(queue.takeWritable(1999 + i * 1000, next)).toEqual([]);
      expect(queue.takeWritable(2000 + i * 1000, next).map((e) => e.clientMsgId)).toEqual(['m2', 'm3']);
    }
    expect(queue.size).toBe(2);
  });

  it('a send rate limited more than maxSendRetries times is given up', () => {
    const queue = new SendQueue<string>(10, 2);
    fill(queue, 1);
    const next = ids();
    for (let i = 0; i < 2; i++) {
      queue.takeWritable(Number.MAX_SAFE_INTEGER, next);
      expect(queue.retryLater('m1', 0, 0)).toBe('retry');
    }
    queue.takeWritable(Number.MAX_SAFE_INTEGER, next);
    expect(queue.retryLater('m1', 0, 0)).toBe('give-up');
    expect(queue.size).toBe(0);
  });

  it('drain empties everything, for close()', () => {
    const queue = new SendQueue<string>(10, 2);
    fill(queue, 3);
    queue.takeWritable(0, ids());
    expect(queue.drain().map((e) => e.clientMsgId)).toEqual(['m1', 'm2', 'm3']);
    expect(queue.size).toBe(0);
    expect(queue.byRequestId('q1')).toBeUndefined();
  });

  it('each entry carries one promise that its settle resolves', async () => {
    const queue = new SendQueue<string>(10, 2);
    const entry = queue.enqueue('r', 'm1', 'x');
    if (entry === 'full') throw new Error('unexpected');
    entry.settle.resolve('acked');
    await expect(entry.promise).resolves.toBe('acked');
  });
});
