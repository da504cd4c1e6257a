import { describe, expect, it } from 'vitest';
import type { StreamAck, StreamPublisher } from '../../../src/core/bus/stream-publisher.js';
import type { ClientFrameOf } from '../../../src/core/protocol/client-frames.js';
import type { RequestScope } from '../../../src/nodes/gateway/gateway-context.js';
import { SendHandler } from '../../../src/nodes/gateway/handlers/send-handler.js';
import { OverdueAcks } from '../../../src/nodes/gateway/overdue-acks.js';
import { fakeSendContext } from './support/fake-send-context.js';

// Issue 13, item 14: the fan-out's answer to a send (ack or error) travels over core NATS. One
// published while a NATS connection was reconnecting is gone, and the client, still connected,
// waited for it until the end of the run ("never acked" in the nats-full-restart fault).

describe('gateway - overdue answers', () => {
  it('a watched send is handed back once when overdue, not when settled, in due order', () => {
    let now = 0;
    const acks = new OverdueAcks(1000, () => now);
    const overdue: string[] = [];
    acks.watch('c1', 'a', () => overdue.push('a'));
    now = 300;
    acks.watch('c1', 'b', () => overdue.push('b'));
    acks.watch('c2', 'c', () => overdue.push('c'));
    acks.settle('c2', 'c');
    now = 1000;
    acks.sweep();
    expect(overdue).toEqual(['a']);
    now = 5000;
    acks.sweep();
    acks.sweep();
    expect(overdue).toEqual(['a', 'b']);
    expect(acks.size).toBe(0);
  });

  it('an answer read before its send is watched settles it (the PubAck and the answer in one socket read)', () => {
    let now = 0;
    const acks = new OverdueAcks(1000, () => now);
    const overdue: string[] = [];
    acks.settle('c1', 'early');
    acks.watch('c1', 'early', () => overdue.push('early'));
    // An early answer nobody watches for is forgotten after a while; a later watch then waits again.
    acks.settle('c1', 'stray');
    now = 1500;
    acks.sweep();
    acks.watch('c1', 'stray', () => overdue.push('stray'));
    now = 3000;
    acks.sweep();
    expect(overdue).toEqual(['stray']);
    expect(acks.size).toBe(0);
  });

  it('a stored send whose answer was lost is published again and answered from Postgres', async () => {
    const published: Array<{ msgID: string }> = [];
    const stream: StreamPublisher = {
      publish: async (_subject, _payload, options) => {
        published.push({ msgID: options.msgID });
        // The first copy is stored; the republish is a duplicate of it.
        return { stream: 'sends', seq: 1, duplicate: published.length > 1 } satisfies StreamAck;
      },
    };
    let now = 0;
    const overdueAcks = new OverdueAcks(10_000, () => now);
    const committed = { room: 'r1', seq: 7, msgId: 'm7', ts: 1234 };
    const ctx = fakeSendContext({ sendStream: stream, overdueAcks, findClientMsg: async () => committed });
    const replies: Array<Record<string, unknown>> = [];
    const scope: RequestScope = {
      session: { connId: 'c1', user: 'alice', device: 'phone', write: () => true },
      requestId: 's1',
      signal: new AbortController().signal,
      reply: (frame) => replies.push(frame),
    };
    const frame: ClientFrameOf<'send'> = { type: 'send', id: 's1', room: 'r1', clientMsgId: 'k1', body: 'hello' };
    await new SendHandler(ctx).handle(scope, frame, 0);
    await new Promise((resolve) => setImmediate(resolve));
    expect(published).toHaveLength(1);
    expect(overdueAcks.size).toBe(1);

    // The fan-out's ack never comes. 10 s later the gateway asks again.
    now = 10_000;
    overdueAcks.sweep();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(published).toEqual([{ msgID: 'alice:k1' }, { msgID: 'alice:k1' }]);
    expect(replies).toEqual([{ type: 'ack', room: 'r1', clientMsgId: 'k1', msgId: 'm7', seq: 7, ts: 1234 }]);
  });

  it('an answer that arrives settles the send: nothing is published again', async () => {
    let now = 0;
    const overdueAcks = new OverdueAcks(10_000, () => now);
    let publishes = 0;
    const ctx = fakeSendContext({
      sendStream: { publish: async () => ({ stream: 'sends', seq: ++publishes, duplicate: false }) },
      overdueAcks,
    });
    const scope: RequestScope = {
      session: { connId: 'c1', user: 'alice', device: 'phone', write: () => true },
      requestId: undefined,
      signal: new AbortController().signal,
      reply: () => {},
    };
    await new SendHandler(ctx).handle(scope, { type: 'send', room: 'r1', clientMsgId: 'k2', body: 'hi' }, 0);
    await new Promise((resolve) => setImmediate(resolve));
    overdueAcks.settle('c1', 'k2');
    now = 60_000;
    overdueAcks.sweep();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(publishes).toBe(1);
  });
});
