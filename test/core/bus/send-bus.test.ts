import { describe, expect, it } from 'vitest';
import type { SendEnvelope } from '../../../src/core/bus/envelopes.js';
import { JetStreamSendBus, sendDedupId } from '../../../src/core/bus/send-bus.js';
import type { StreamAck, StreamPublisher } from '../../../src/core/bus/stream-publisher.js';
import { Subjects } from '../../../src/core/bus/subjects.js';

const send = (room: string, sender: string, clientMsgId: string): SendEnvelope => ({
  room,
  clientMsgId,
  body: 'hi',
  sender,
  senderDevice: 'phone',
  reply: { node: 'gw-1', conn: 'gw-1-1' },
  receivedAt: 1,
});

describe('JetStreamSendBus', () => {
  it("puts a send on its room's partition subject, de-duplicated by sender and clientMsgId", async () => {
    const published: Array<{ subject: string; payload: unknown; msgID: string; timeout?: number }> = [];
    const stream: StreamPublisher = {
      publish: (subject, payload, options) => {
        published.push({ subject, payload: JSON.parse(new TextDecoder().decode(payload)), ...options });
        return Promise.resolve<StreamAck>({ stream: 'S', seq: published.length, duplicate: false });
      },
    };
    const subjects = new Subjects('t', 16);
    const bus = new JetStreamSendBus(stream, subjects);
    const first = send('d_room1', 'alice', 'c1');
    expect(await bus.publish(first)).toEqual({ stream: 'S', seq: 1, duplicate: false });
    await bus.publish(send('d_room1', 'bob', 'c1'), { timeoutMs: 900 });
    expect(published[0]).toEqual({
      subject: subjects.sendSubjectOf('d_room1'),
      payload: first,
      msgID: 'alice:c1',
      timeout: 5000,
    });
    // Another sender's same clientMsgId is another send.
    expect(published[1]!.msgID).toBe('bob:c1');
    expect(published[1]!.timeout).toBe(900);
    expect(sendDedupId({ sender: 'alice', clientMsgId: 'c1' })).toBe(published[0]!.msgID);
  });
});
