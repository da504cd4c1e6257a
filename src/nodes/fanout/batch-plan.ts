import type { SendEnvelope } from '../../core/bus/envelopes.js';
import type { ErrorCode } from '../../core/protocol/errors.js';
import type { Message } from '../../core/protocol/server-frames.js';

/** What becomes of one send in a batch. */
export type SendOutcome =
  | { kind: 'new'; room: string; index: number }
  | { kind: 'existing'; message: Message }
  | { kind: 'same-as'; index: number }
  | { kind: 'rejected'; code: ErrorCode; message: string };

export interface BatchPlan {
  outcomes: SendOutcome[];
  /** How many new messages each room gets, in first-seen order. */
  newPerRoom: Map<string, number>;
}

export function clientMsgKey(sender: string, clientMsgId: string): string {
  return `${sender}\u0000${clientMsgId}`;
}

/**
 * Decides, without I/O, what each send of a batch becomes: a new message, the replay of one
 * committed before (same sender and clientMsgId), a copy of an earlier send in the same batch,
 * or a rejection. Sends keep their batch order, so a room's new seqs follow arrival order.
 */
export function planBatch(
  sends: SendEnvelope[],
  membersByRoom: Map<string, Set<string>>,
  committed: Map<string, Message>,
): BatchPlan {
  const outcomes: SendOutcome[] = [];
  const newPerRoom = new Map<string, number>();
  const firstInBatch = new Map<string, number>();
  sends.forEach((send, index) => {
    const key = clientMsgKey(send.sender, send.clientMsgId);
    const previous = committed.get(key);
    if (previous) {
      outcomes.push(
        previous.room === send.room
          ? { kind: 'existing', message: previous }
          : {
              kind: 'rejected',
              code: 'conflict',
              message: `clientMsgId ${send.clientMsgId} was already used for room ${previous.room}`,
            },
      );
      return;
    }
    const earlier = firstInBatch.get(key);
    if (earlier !== undefined) {
      const first = sends[earlier]!;
      outcomes.push(
        first.room === send.room && outcomes[earlier]?.kind === 'new'
          ? { kind: 'same-as', index: earlier }
          : {
              kind: 'rejected',
              code: 'conflict',
              message: `clientMsgId ${send.clientMsgId} was already used for room ${first.room}`,
            },
      );
      return;
    }
    const members = membersByRoom.get(send.room);
    if (!members) {
      outcomes.push({ kind: 'rejected', code: 'not_found', message: `room ${send.room} does not exist` });
      return;
    }
    if (!members.has(send.sender)) {
      outcomes.push({ kind: 'rejected', code: 'forbidden', message: `you are not a member of room ${send.room}` });
      return;
    }
    firstInBatch.set(key, index);
    newPerRoom.set(send.room, (newPerRoom.get(send.room) ?? 0) + 1);
    outcomes.push({ kind: 'new', room: send.room, index });
  });
  return { outcomes, newPerRoom };
}
