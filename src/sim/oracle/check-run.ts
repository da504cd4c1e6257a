import type { DeviceLog } from '../sim-types.js';
import { checkCompleteness, type CompletenessTally } from './completeness.js';
import { readDeviceLog } from './device-streams.js';
import { FindingLog } from './finding-log.js';
import { MessageTable } from './message-table.js';
import type {
  OracleInput,
  OracleReport,
  OracleViolation,
  OracleViolationKind,
  OracleWarning,
  OracleWarningKind,
} from './oracle-types.js';
import { checkReadState } from './read-state.js';
import { deviceKey, lookup, RunIndex } from './run-index.js';
import { checkSendOrder } from './send-order.js';

export const VIOLATION_KINDS: readonly OracleViolationKind[] = [
  'missing',
  'duplicate',
  'out-of-order',
  'conflict',
  'seq-gap',
  'send-order',
  'read-diverged',
];
export const WARNING_KINDS: readonly OracleWarningKind[] = [
  'unacked-delivered',
  'non-member-delivery',
  'unknown-room',
  'unplanned-ack',
  'unplanned-device',
];

export const DEFAULT_MAX_LISTED = 200;
export const DEFAULT_SETTLE_MS = 10_000;

/**
 * The simulator's oracle: from the plan, the acks and what every device showed, decides
 * whether the run kept the system's promises (DESIGN.md "Send path and its invariants"):
 * every acked message reached every device of every member of its room, once, in room
 * order, with the same content everywhere and no hole in the room's seqs; each client's
 * messages to a room are numbered in the order it sent them; and each user's
 * devices agree on read positions. Pure: no I/O, no clock. Work and memory are linear in
 * the deliveries, with one object per message, not per delivered copy.
 */
export function checkRun(input: OracleInput): OracleReport {
  const maxListed = input.options?.maxListed ?? DEFAULT_MAX_LISTED;
  const rules = {
    endedAt: input.endedAt,
    allSynced: input.allSynced,
    settleMs: input.options?.settleMs ?? DEFAULT_SETTLE_MS,
  };
  const index = new RunIndex(input.plan, input.roomIds);
  const violations = new FindingLog<OracleViolationKind, OracleViolation>(VIOLATION_KINDS, maxListed);
  const warnings = new FindingLog<OracleWarningKind, OracleWarning>(WARNING_KINDS, maxListed);
  const table = new MessageTable(index, violations, warnings);

  // Acks first: they are the messages every member's devices are expected to show.
  for (const ack of input.acks) table.recordAck(ack);
  table.finishAcks();
  checkSendOrder(input.acks, index, violations);
  const acked = table.ackedPlanned;

  const tally: CompletenessTally = { expected: 0, observed: 0, skipped: 0, unsettled: 0 };
  const logged = new Set<string>();
  const checkedLogs: DeviceLog[] = [];
  let deliveriesLogged = 0;
  for (const log of input.logs) {
    const key = deviceKey(log.user, log.device);
    deliveriesLogged += log.deliveries.length;
    const planned = index.isPlannedDevice(log.user, log.device);
    // Only a planned device's first log is held to completeness and read state.
    const held = planned && !logged.has(key);
    if (!held) {
      warnings.add({
        kind: 'unplanned-device',
        room: '',
        user: log.user,
        device: log.device,
        detail: planned
          ? `a second log of ${key}: checked for order and duplicates only`
          : `${key} is not in the plan: checked for order and duplicates only`,
      });
    }
    const streams = readDeviceLog(log, index, table, violations, warnings);
    if (input.allSynced) for (const [room, lastSeq] of Object.entries(log.rooms)) table.noteLastSeq(room, lastSeq);
    if (!held) continue;
    logged.add(key);
    checkedLogs.push(log);
    const target = {
      user: log.user,
      device: log.device,
      windows: lookup(input.windows, key) ?? [],
      skipped: lookup(input.skipped, key) ?? [],
    };
    checkCompleteness(target, streams, index, table, rules, violations, tally);
  }

  table.checkGaps();
  table.warnUnackedDelivered();
  if (input.options?.readState !== false) {
    checkReadState(
      checkedLogs,
      (log) => input.allSynced || lookup(input.windows, deviceKey(log.user, log.device))?.at(-1)?.to === null,
      index,
      violations,
    );
  }

  const unlogged: string[] = [];
  let unloggedCount = 0;
  for (const user of index.users()) {
    for (const device of index.devicesOf(user)) {
      const key = deviceKey(user, device);
      if (logged.has(key)) continue;
      unloggedCount++;
      if (unlogged.length < maxListed) unlogged.push(key);
    }
  }

  return {
    ok: violations.total === 0 && unloggedCount === 0,
    violations: violations.listed,
    violationCounts: violations.counts,
    totalViolations: violations.total,
    warnings: warnings.listed,
    warningCounts: warnings.counts,
    planned: index.plannedSends,
    acked,
    unacked: index.plannedSends - acked,
    expectedDeliveries: tally.expected,
    observedDeliveries: tally.observed,
    completeness: tally.expected === 0 ? 1 : tally.observed / tally.expected,
    missingMessages: table.missingMessages,
    skipped: tally.skipped,
    unsettled: tally.unsettled,
    deliveriesLogged,
    messages: table.size,
    devices: { planned: index.plannedDevices, logged: logged.size, unlogged, unloggedCount },
    rooms: { planned: index.plannedRooms, created: index.rooms.size },
  };
}
