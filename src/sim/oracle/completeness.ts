import { ascendingSeqs, type RoomStream } from './device-streams.js';
import { describeAt, type MessageTable, type Violations } from './message-table.js';
import type { ConnectionWindow, SeqRange } from './oracle-types.js';
import type { RunIndex } from './run-index.js';

/** One logged, planned device, as the completeness check needs it. */
export interface CheckedDevice {
  user: string;
  device: string;
  windows: readonly ConnectionWindow[];
  skipped: readonly SeqRange[];
}

export interface CompletenessRules {
  endedAt: number;
  allSynced: boolean;
  settleMs: number;
}

export interface CompletenessTally {
  expected: number;
  observed: number;
  skipped: number;
  unsettled: number;
}

/**
 * Every acked message of every room the device's user is a member of must be among the
 * seqs the device showed. Both lists are ascending, so one merge walk per room does it:
 * the work is the number of expected plus shown deliveries, with no per-delivery objects.
 * A message the device lacks still counts as had when this is the device that sent it (the
 * client shows its own message from the ack), when a truncated sync skipped it on purpose,
 * or, in a run that did not end synced, when the device could not have had it yet.
 */
export function checkCompleteness(
  target: CheckedDevice,
  streams: ReadonlyMap<string, RoomStream>,
  index: RunIndex,
  table: MessageTable,
  rules: CompletenessRules,
  violations: Violations,
  tally: CompletenessTally,
): void {
  const { user, device } = target;
  for (const room of index.roomsOf(user)) {
    const acked = table.ackedSeqs(room.id);
    if (acked.length === 0) continue;
    tally.expected += acked.length;
    const stream = streams.get(room.id);
    const shown = stream ? ascendingSeqs(stream) : [];
    let j = 0;
    for (const seq of acked) {
      while (j < shown.length && shown[j]! < seq) j++;
      if (j < shown.length && shown[j] === seq) {
        tally.observed++;
        continue;
      }
      const entry = table.get(room.id, seq)!;
      const ack = entry.ack!;
      if (ack.user === user && ack.device === device) {
        tally.observed++;
        continue;
      }
      if (
        target.skipped.length > 0 &&
        target.skipped.some((range) => range.room === room.id && range.from <= seq && seq <= range.to)
      ) {
        tally.skipped++;
        continue;
      }
      if (!rules.allSynced && !settled(target.windows, ack.ackedAt, rules)) {
        tally.unsettled++;
        continue;
      }
      entry.missing = true;
      if (!violations.listing()) {
        violations.count('missing');
        continue;
      }
      violations.add({
        kind: 'missing',
        room: room.id,
        roomKey: room.key,
        seq,
        user,
        device,
        detail: `${describeAt(index, room.id, seq)} (${ack.user}/${ack.clientMsgId}, acked to ${ack.device}) never shown; ${connectivity(target.windows, ack.ackedAt, rules.endedAt)}; device showed ${shown.length} of the room's ${acked.length} acked messages`,
      });
    }
  }
}

/**
 * In a run that did not end synced: the device has been connected, without a break until
 * the end, for at least settleMs after both its (re)connection and the ack. Then a sync and
 * the live copy have both had time to arrive, and a message it lacks is missing.
 */
function settled(windows: readonly ConnectionWindow[], ackedAt: number, rules: CompletenessRules): boolean {
  const last = windows.at(-1);
  if (!last || last.to !== null) return false;
  return Math.max(last.from, ackedAt) + rules.settleMs <= rules.endedAt;
}

/** Where the device was, connection-wise, when the message was acked: the first clue to a loss. */
function connectivity(windows: readonly ConnectionWindow[], at: number, endedAt: number): string {
  if (windows.length === 0) return 'the device never connected';
  const during = windows.find((window) => window.from <= at && (window.to === null || at < window.to));
  if (during) {
    const until = during.to === null ? 'the end' : `${seconds(during.to - at)} later`;
    return `the device was connected when it was acked, until ${until}`;
  }
  const next = windows.find((window) => window.from > at);
  if (!next)
    return `the device was offline when it was acked and did not reconnect (run ended ${seconds(endedAt - at)} later)`;
  return `the device was offline when it was acked and reconnected ${seconds(next.from - at)} later`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
