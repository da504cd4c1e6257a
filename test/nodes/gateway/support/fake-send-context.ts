import type { StreamPublisher } from '../../../../src/core/bus/stream-publisher.js';
import type { GatewayContext } from '../../../../src/nodes/gateway/gateway-context.js';
import { OverdueAcks } from '../../../../src/nodes/gateway/overdue-acks.js';

/** What SendHandler uses of a gateway, around a test's send stream; every user is a member. */
export function fakeSendContext(options: {
  sendStream: StreamPublisher;
  overdueAcks?: OverdueAcks;
  findClientMsg?: () => Promise<unknown>;
}): GatewayContext {
  return {
    config: { nodeId: 'gw-test', limits: { maxBodyChars: 4000 } },
    sessions: { knowsMember: () => true },
    subjects: { sendSubjectOf: (room: string) => `send.${room}` },
    sendStream: options.sendStream,
    hops: { publish: { observe: () => {} } },
    log: { warn: () => {} },
    metrics: { acks: { inc: () => {} }, sendsRepublished: { inc: () => {} } },
    messages: { findClientMsg: options.findClientMsg ?? (() => Promise.resolve(undefined)) },
    overdueAcks: options.overdueAcks ?? new OverdueAcks(60_000),
  } as unknown as GatewayContext;
}
