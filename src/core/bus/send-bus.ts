import { encodeJson, type SendEnvelope } from './envelopes.js';
import type { StreamAck, StreamPublisher } from './stream-publisher.js';
import type { Subjects } from './subjects.js';

/** Where a gateway puts the sends it accepted, for the fan-out to commit in room order. */
export interface SendBus {
  /**
   * Resolves once the send is stored durably. A resend (same sender and clientMsgId) inside the
   * bus's de-duplication window is stored once: its answer says `duplicate`, and the first
   * copy's commit answers it.
   */
  publish(send: SendEnvelope, options?: { timeoutMs?: number }): Promise<StreamAck>;
}

/**
 * The send bus on the JetStream send stream: a room's sends go to its partition's subject (so
 * one fan-out worker sees them in order), de-duplicated by sender and clientMsgId.
 */
export class JetStreamSendBus implements SendBus {
  constructor(
    private readonly stream: StreamPublisher,
    private readonly subjects: Subjects,
  ) {}

  publish(send: SendEnvelope, options: { timeoutMs?: number } = {}): Promise<StreamAck> {
    return this.stream.publish(this.subjects.sendSubjectOf(send.room), encodeJson(send), {
      msgID: sendDedupId(send),
      timeout: options.timeoutMs ?? 5000,
    });
  }
}

/** The de-duplication id of a send: a client's resend carries the same clientMsgId. */
export function sendDedupId(send: Pick<SendEnvelope, 'sender' | 'clientMsgId'>): string {
  return `${send.sender}:${send.clientMsgId}`;
}
