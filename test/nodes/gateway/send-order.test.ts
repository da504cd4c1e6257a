import { describe, expect, it } from 'vitest';
import { retryingPublishes } from '../../../src/core/bus/nats.js';
import type { StreamAck, StreamPublisher } from '../../../src/core/bus/stream-publisher.js';
import type { SendEnvelope } from '../../../src/core/bus/envelopes.js';
import type { ClientFrameOf } from '../../../src/core/protocol/client-frames.js';
import type { RequestScope } from '../../../src/nodes/gateway/gateway-context.js';
import { SendHandler } from '../../../src/nodes/gateway/handlers/send-handler.js';
import { fakeSendContext } from './support/fake-send-context.js';

/** Errors named as the publisher names them, so retryingPublishes retries them. */
function noLeader(): Error {
  const error = new Error('no stream answered (no responders)');
  error.name = 'JetStreamNotEnabled';
  return error;
}

/**
 * A send stream that stores what it is given in arrival order (the stored index is the
 * room's seq-to-be), and fails the publishes `failing` names: those ids' first tries
 * are answered "no leader", or fail for good when `forGood` is set.
 */
class FlakyStream implements StreamPublisher {
  readonly stored: string[] = [];
  readonly started: string[] = [];
  private readonly tries = new Map<string, number>();
  /** Publishes not answered yet, for tests that hold the acks. */
  readonly held: Array<() => void> = [];

  constructor(private readonly options: { failing?: Set<string>; forGood?: boolean; holdAcks?: boolean } = {}) {}

  publish(_subject: string, payload: Uint8Array, _options: { msgID: string }): Promise<StreamAck> {
    const id = (JSON.parse(Buffer.from(payload).toString('utf8')) as SendEnvelope).clientMsgId;
    const tries = (this.tries.get(id) ?? 0) + 1;
    this.tries.set(id, tries);
    this.started.push(id);
    if (this.options.failing?.has(id) && (tries === 1 || this.options.forGood)) {
      // The 503 comes back after a moment, as from a stream between leaders.
      return new Promise((_resolve, reject) =>
        setTimeout(() => reject(this.options.forGood ? new Error('stream refused') : noLeader()), 2),
      );
    }
    this.stored.push(id);
    const ack: StreamAck = { stream: 'sends', seq: this.stored.length, duplicate: false };
    if (!this.options.holdAcks) return Promise.resolve(ack);
    return new Promise((resolve) => this.held.push(() => resolve(ack)));
  }

  /** The msgID of the publish tried with this payload (the user:clientMsgId key). */
  triesOf(id: string): number {
    return this.tries.get(id) ?? 0;
  }
}

interface Harness {
  handler: SendHandler;
  scope: RequestScope;
  replies: Array<Record<string, unknown>>;
  /** Hands a send to the handler as the dispatcher does: one at a time, in arrival order. */
  send(clientMsgId: string, room?: string): Promise<void>;
}

function harness(stream: StreamPublisher): Harness {
  const ctx = fakeSendContext({ sendStream: stream });
  const replies: Array<Record<string, unknown>> = [];
  const scope: RequestScope = {
    session: { connId: 'c1', user: 'alice', device: 'phone', write: () => true },
    requestId: undefined,
    signal: new AbortController().signal,
    reply: (frame) => replies.push(frame),
  };
  const handler = new SendHandler(ctx);
  let chain: Promise<void> = Promise.resolve();
  return {
    handler,
    scope,
    replies,
    send(clientMsgId, room = 'g_room1') {
      const frame: ClientFrameOf<'send'> = { type: 'send', room, clientMsgId, body: `body of ${clientMsgId}` };
      chain = chain.then(() => handler.handle(scope, frame, Date.now()));
      return chain;
    },
  };
}

async function until(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

describe('gateway - send order', () => {
  it('a retried publish is not overtaken by the next send of the connection to the room (stored in send order)', async () => {
    // The first send meets a stream between leaders: its retry waits a jittered pause.
    const stream = new FlakyStream({ failing: new Set(['m1']) });
    const h = harness(retryingPublishes(stream, { pauseMs: 20 }));
    await h.send('m1');
    await h.send('m2');
    await until(() => stream.stored.length === 2);
    expect(stream.stored).toEqual(['m1', 'm2']);
    expect(h.replies).toEqual([]);
  });

  it("holds a publish only behind the same connection's to the same room, and starts it at the ack before", async () => {
    const stream = new FlakyStream({ holdAcks: true });
    const h = harness(stream);
    // handle() returns with the first publish unanswered: the next send's checks need not wait.
    await h.send('m1');
    await h.send('m2');
    await h.send('other-room', 'g_room2');
    expect(stream.started).toEqual(['m1', 'other-room']);
    stream.held[0]!();
    await until(() => stream.started.length === 3);
    expect(stream.started).toEqual(['m1', 'other-room', 'm2']);
    for (const ack of stream.held) ack();
  });

  it('when a publish fails for good, the sends queued behind it are refused too (not stored past the gap); a later one starts afresh', async () => {
    const stream = new FlakyStream({ failing: new Set(['m1']), forGood: true });
    const h = harness(stream);
    await h.send('m1');
    await h.send('m2');
    await until(() => h.replies.length === 2);
    expect(h.replies.map((reply) => [reply.type, reply.code])).toEqual([
      ['error', 'unavailable'],
      ['error', 'unavailable'],
    ]);
    expect(stream.stored).toEqual([]);
    expect(stream.triesOf('m2')).toBe(0);
    await h.send('m3');
    await until(() => stream.stored.length === 1);
    expect(stream.stored).toEqual(['m3']);
  });
});
