import { existsSync, readFileSync } from 'node:fs';
import type { RunOutcome } from '../sim/runner/coordinator.js';
import type { PushSection } from '../sim/runner/run-checks.js';
import type { FaultWindow } from './fault-result.js';

/** What a fault did to the push path (a run with push devices and the fakes' log). */
export interface PushFaultFigures {
  /** (device, room) pairs owed a notification (written in by someone else while the device was offline). */
  expectedPairs: number;
  /** Of those, the ones that got at least one. */
  notifiedPairs: number;
  /** The push check's violations (src/sim/oracle/push-check.ts): each must be 0. */
  missing: number;
  nonMember: number;
  /** A notification to a device that was connected whenever someone wrote in that room. */
  unexpected: number;
  unregistered: number;
  /** Notifications the fakes accepted for this run's devices. */
  notifications: number;
  /** Of those, accepted while the fault was on (0 when the providers really were out). */
  duringFault: number;
  /**
   * Identical to the one before it for the same device and room (same text and badge): the same
   * collapsed job sent twice, e.g. redelivered after its ack was lost. Allowed (a device shows
   * one notification per collapse id), counted so that a redelivery storm shows.
   */
  repeats: number;
  /** From the heal to the first notification accepted after it (null: none came). */
  resumedAfterMs: number | null;
  /**
   * From the heal until the last (device, room) owed a notification during the fault (someone
   * else wrote in the room while the device was offline) had one: how long the backlog took to
   * drain (null: nothing was owed during the fault).
   */
  caughtUpAfterMs: number | null;
  /** From the first message a notification covers (its ack) to the fake accepting it, over the run. */
  latencyP99Ms: number | null;
  latencyMaxMs: number | null;
}

interface LoggedPush {
  at: number;
  token: string;
  room: string;
  text: string;
}

/**
 * The push figures of a faulted run, from the simulator's push check and the fakes' log
 * (`received.jsonl`: at, platform, token, title, body, badge, room). Notifications to other
 * runs' tokens (the log is shared by every run on the cluster) are left out.
 */
export function pushFaultFigures(
  outcome: RunOutcome,
  push: Extract<PushSection, { checked: true }>,
  logFile: string,
  window: FaultWindow,
): PushFaultFigures {
  const tokens = new Set(
    outcome.outputs.flatMap((output) => Object.values(output.checks.push).map((registration) => registration.token)),
  );
  const ours = readLoggedPushes(logFile).filter((entry) => tokens.has(entry.token) && entry.at >= outcome.t0);
  const previous = new Map<string, string>();
  let repeats = 0;
  for (const entry of ours) {
    const pair = `${entry.token}\u0000${entry.room}`;
    if (previous.get(pair) === entry.text) repeats++;
    previous.set(pair, entry.text);
  }
  // A second of slack each side: the fakes switch within ~200 ms of the mode file, and a send in flight at the switch may still land.
  const duringFault = ours.filter(
    (entry) => entry.at > window.injectedAt + 1000 && entry.at < window.healedAt - 1000,
  ).length;
  const firstAfter = ours.find((entry) => entry.at >= window.healedAt);
  const owed = owedDuringFault(outcome, window);
  const firstPerPair = new Map<string, number>();
  for (const entry of ours) {
    const pair = `${entry.token}\u0000${entry.room}`;
    if (entry.at >= window.healedAt && owed.has(pair) && !firstPerPair.has(pair)) firstPerPair.set(pair, entry.at);
  }
  const caughtUpAt = firstPerPair.size === 0 ? undefined : Math.max(...firstPerPair.values());
  const counts = push.violationCounts;
  return {
    expectedPairs: push.expectedPairs,
    notifiedPairs: push.notifiedPairs,
    missing: counts['push-missing'],
    nonMember: counts['push-non-member'],
    unexpected: counts['push-unexpected'],
    unregistered: counts['push-unregistered'],
    notifications: ours.length,
    duringFault,
    repeats,
    resumedAfterMs: firstAfter ? firstAfter.at - window.healedAt : null,
    caughtUpAfterMs: caughtUpAt === undefined ? null : caughtUpAt - window.healedAt,
    latencyP99Ms: push.latency?.p99 ?? null,
    latencyMaxMs: push.latency?.max ?? null,
  };
}

/**
 * The (token, room) pairs owed a notification by a message acked during the fault: from
 * another member of the room, while the token's device had no open connection.
 */
function owedDuringFault(outcome: RunOutcome, window: FaultWindow): Set<string> {
  const roomIdOf = (key: string) => outcome.roomIds[key] ?? key;
  const membersOf = new Map(outcome.plan.rooms.map((room) => [roomIdOf(room.key), new Set(room.members)]));
  const windows = new Map<string, Array<{ from: number; to: number | null }>>();
  for (const output of outcome.outputs)
    for (const [key, list] of Object.entries(output.windows)) windows.set(key, list);
  const devices = outcome.outputs.flatMap((output) =>
    Object.entries(output.checks.push).map(([key, registration]) => ({
      user: key.slice(0, key.lastIndexOf('/')),
      token: registration.token,
      windows: windows.get(key) ?? [],
    })),
  );
  const owed = new Set<string>();
  for (const ack of outcome.outputs.flatMap((output) => output.acks)) {
    if (ack.ackedAt < window.injectedAt || ack.ackedAt > window.healedAt) continue;
    const members = membersOf.get(ack.room);
    for (const device of devices) {
      if (device.user === ack.user || !members?.has(device.user)) continue;
      const online = device.windows.some((w) => w.from <= ack.ackedAt && (w.to === null || w.to >= ack.ackedAt));
      if (!online) owed.add(`${device.token}\u0000${ack.room}`);
    }
  }
  return owed;
}

function readLoggedPushes(path: string): LoggedPush[] {
  if (!existsSync(path)) return [];
  const entries: LoggedPush[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value = JSON.parse(line) as {
        at?: unknown;
        token?: unknown;
        room?: unknown;
        title?: unknown;
        body?: unknown;
        badge?: unknown;
      };
      const at = typeof value.at === 'string' ? Date.parse(value.at) : NaN;
      if (!Number.isFinite(at) || typeof value.token !== 'string') continue;
      entries.push({
        at,
        token: value.token,
        room: typeof value.room === 'string' ? value.room : '',
        text: JSON.stringify([value.title, value.body, value.badge]),
      });
    } catch {
      // A line being written as we read: skipped, like the simulator's reader does.
    }
  }
  return entries.sort((a, b) => a.at - b.at);
}
