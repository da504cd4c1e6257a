import type { DeviceLog } from '../sim-types.js';
import { describeAt, type MessageTable, type Violations, type Warnings } from './message-table.js';
import type { RunIndex } from './run-index.js';

/** The seqs one device showed in one room, in emit order. */
export interface RoomStream {
  seqs: number[];
  /** Whether seqs is ascending (true unless something came out of order). */
  ascending: boolean;
  /** Highest seq shown so far. */
  max: number;
}

/**
 * Reads one device's log in emit order: files every delivery of a plan room in the message
 * table, and checks that each room's seqs strictly increase. A seq already shown is a
 * 'duplicate'; a new seq below the highest shown is 'out-of-order' (each one shown after
 * a later message counts, so 1 2 5 3 4 is two). Returns the seqs shown per member room
 * (duplicates dropped), for the completeness check.
 */
export function readDeviceLog(
  log: DeviceLog,
  index: RunIndex,
  table: MessageTable,
  violations: Violations,
  warnings: Warnings,
): Map<string, RoomStream> {
  const streams = new Map<string, RoomStream>();
  const { user, device } = log;
  let warnedRooms: Set<string> | undefined;
  let lastRoom = '';
  let lastStream: RoomStream | undefined;
  for (const delivery of log.deliveries) {
    const { room: roomId, seq } = delivery;
    let stream = roomId === lastRoom ? lastStream : streams.get(roomId);
    if (!stream) {
      const room = index.rooms.get(roomId);
      if (!room || !room.members.has(user)) {
        // Warned once per device and room; the messages still count for consistency.
        table.observe(roomId, seq, delivery.sender, delivery.clientMsgId, user, device);
        if (!(warnedRooms ??= new Set()).has(roomId)) {
          warnedRooms.add(roomId);
          warnings.add(
            room
              ? {
                  kind: 'non-member-delivery',
                  room: roomId,
                  roomKey: room.key,
                  seq,
                  user,
                  device,
                  detail: `${user} is not a member of room ${room.key} but device ${device} showed ${describeAt(index, roomId, seq)}`,
                }
              : {
                  kind: 'unknown-room',
                  room: roomId,
                  seq,
                  user,
                  device,
                  detail: `device ${user}/${device} showed messages of ${roomId}, which is not a plan room`,
                },
          );
        } else {
          warnings.count(room ? 'non-member-delivery' : 'unknown-room');
        }
        continue;
      }
      stream = { seqs: [], ascending: true, max: 0 };
      streams.set(roomId, stream);
    }
    lastRoom = roomId;
    lastStream = stream;
    table.observe(roomId, seq, delivery.sender, delivery.clientMsgId, user, device);
    if (seq > stream.max) {
      stream.seqs.push(seq);
      stream.max = seq;
    } else if (contains(stream, seq)) {
      report(
        violations,
        index,
        'duplicate',
        roomId,
        seq,
        user,
        device,
        () => `device showed ${describeAt(index, roomId, seq)} twice`,
      );
    } else {
      report(
        violations,
        index,
        'out-of-order',
        roomId,
        seq,
        user,
        device,
        () => `device showed ${describeAt(index, roomId, seq)} after #${stream.max}`,
      );
      stream.seqs.push(seq);
      stream.ascending = false;
    }
  }
  return streams;
}

/** The stream's seqs in ascending order (the stream's own array when it already is). */
export function ascendingSeqs(stream: RoomStream): readonly number[] {
  return stream.ascending ? stream.seqs : [...stream.seqs].sort((a, b) => a - b);
}

function contains(stream: RoomStream, seq: number): boolean {
  const { seqs } = stream;
  if (!stream.ascending) return seqs.includes(seq);
  let low = 0;
  let high = seqs.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const value = seqs[middle]!;
    if (value === seq) return true;
    if (value < seq) low = middle + 1;
    else high = middle - 1;
  }
  return false;
}

function report(
  violations: Violations,
  index: RunIndex,
  kind: 'duplicate' | 'out-of-order',
  room: string,
  seq: number,
  user: string,
  device: string,
  detail: () => string,
): void {
  if (!violations.listing()) {
    violations.count(kind);
    return;
  }
  const roomKey = index.roomKey(room);
  violations.add({ kind, room, ...(roomKey === undefined ? {} : { roomKey }), seq, user, device, detail: detail() });
}
