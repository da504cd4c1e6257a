import type { StreamPublisher } from '../../../../src/core/bus/stream-publisher.js';
import { JetStreamSendBus } from '../../../../src/core/bus/send-bus.js';
import type { Subjects } from '../../../../src/core/bus/subjects.js';
import type { SendContext } from '../../../../src/nodes/gateway/handlers/send-handler.js';
import { OverdueAcks } from '../../../../src/nodes/gateway/overdue-acks.js';

/** What SendHandler uses of a gateway, around a test's send stream; every user is a member. */
export function fakeSendContext(options: {
  sendStream: StreamPublisher;
  overdueAcks?: OverdueAcks;
  findClientMsg?: () => Promise<unknown>;
}): SendContext {
  return {
    config: { nodeId: 'gw-test', limits: { maxBodyChars: 4000 } },
    sessions: { knowsMember: () => true },
    sends: new JetStreamSendBus(options.sendStream, { sendSubjectOf: (room: string) => `send.${room}` } as Subjects),
    hops: { publish: { observe: () => {} } },
    log: { warn: () => {} },
    metrics: { acks: { inc: () => {} }, sendsRepublished: { inc: () => {} } },
    messages: { findClientMsg: options.findClientMsg ?? (() => Promise.resolve(undefined)) },
    overdueAcks: options.overdueAcks ?? new OverdueAcks(60_000),
  } as unknown as SendContext;
}
