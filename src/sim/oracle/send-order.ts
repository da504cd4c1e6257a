import type { AckRecord } from '../sim-types.js';
import type { Violations } from './message-table.js';
import { describeAt } from './message-table.js';
import type { RunIndex } from './run-index.js';

/** The acks of one client's sends to one room. */
type Lane = AckRecord[];

/**
 * The messages one client sends to a room are numbered in the order it sent them
 * (docs/protocol.md, "Requests, replies and ordering": a connection's sends get increasing
 * seq in send order; the client resends unacked ones in order after a reconnect, so this
 * holds across its connections). The delivery checks cannot see a breach: the room's seqs
 * are whole and every device shows them in order, only in an order the sender did not write.
 * A send the server answered "try later" (`retried`) was not queued then: sends made after
 * it may come first, so it is exempt as the earlier of a pair. Acks without the client's
 * order (`client`, `order`: another producer's) are not checked.
 */
export function checkSendOrder(acks: readonly AckRecord[], index: RunIndex, violations: Violations): void {
  const lanes = new Map<string, Lane>();
  for (const ack of acks) {
    if (ack.client === undefined || ack.order === undefined) continue;
    const key = `${ack.user}/${ack.device}#${ack.client}\u0000${ack.room}`;
    const lane = lanes.get(key);
    if (lane) lane.push(ack);
    else lanes.set(key, [ack]);
  }
  for (const lane of lanes.values()) {
    if (lane.length < 2) continue;
    // Acks come in commit order; the check needs send order.
    lane.sort((a, b) => a.order! - b.order!);
    // Walking back from the last send: the lowest seq of the sends after this one.
    let lowestAfter: AckRecord | undefined;
    for (let i = lane.length - 1; i >= 0; i--) {
      let ack = lane[i]!;
      // Several acks of one send (a resend's): its first seq stands; two seqs are the duplicate check's.
      while (i > 0 && lane[i - 1]!.clientMsgId === ack.clientMsgId) {
        const other = lane[--i]!;
        if (other.seq < ack.seq) ack = other;
      }
      if (lowestAfter && !ack.retried && ack.seq > lowestAfter.seq) report(ack, lowestAfter, index, violations);
      if (!lowestAfter || ack.seq < lowestAfter.seq) lowestAfter = ack;
    }
  }
}

function report(earlier: AckRecord, later: AckRecord, index: RunIndex, violations: Violations): void {
  const roomKey = index.roomKey(earlier.room);
  if (!violations.listing()) {
    violations.count('send-order');
    return;
  }
  violations.add({
    kind: 'send-order',
    room: earlier.room,
    ...(roomKey === undefined ? {} : { roomKey }),
    seq: earlier.seq,
    user: earlier.user,
    device: earlier.device,
    detail: `${earlier.user}/${earlier.device} sent ${earlier.clientMsgId} before ${later.clientMsgId} (client ${earlier.client}), but they are ${describeAt(index, earlier.room, earlier.seq)} and ${describeAt(index, later.room, later.seq)}`,
  });
}
