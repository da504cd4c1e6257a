import type { SimPlan } from '../sim-types.js';
import type { CheckFinding } from './check-finding.js';
import { FindingLog } from './finding-log.js';
import type { Lookup } from './oracle-types.js';
import { lookup } from './run-index.js';

/** The typing indicators one device still showed at the end of a run. */
export interface TypingViewRecord {
  user: string;
  device: string;
  /** When the indicators were read (ms, epoch). */
  at: number;
  /** (room id, typist) pairs shown. */
  shown: Array<{ room: string; user: string }>;
}

export interface TypingCheckOptions {
  /** The cluster's CHAT_TYPING_TTL_MS (default 8000): a start ends by itself after it. */
  ttlMs?: number;
  /** Slack for delivery and timers (default 2000 ms). */
  marginMs?: number;
  maxListed?: number;
}

export interface TypingCheckInput {
  plan: SimPlan;
  roomIds: Lookup<string>;
  /** The run's time zero (ms, epoch): plan times are relative to it. */
  t0: number;
  views: readonly TypingViewRecord[];
  options?: TypingCheckOptions;
}

/** typing-stuck: an indicator still shown longer than the TTL after its typist's last planned start. */
export type TypingViolationKind = 'typing-stuck';
export type TypingViolation = CheckFinding<TypingViolationKind>;

export interface TypingCheckReport {
  ok: boolean;
  violations: TypingViolation[];
  violationCounts: Record<TypingViolationKind, number>;
  totalViolations: number;
  /** Planned typing events. */
  planned: number;
  /** Indicators still shown at the end, and of those the ones too recent to judge. */
  shown: number;
  recent: number;
}

/**
 * Typing is ephemeral (DESIGN.md "Presence and typing"): an indicator ends with a stop, a
 * message from the typist, or by itself ttlMs after the last start. So at the end of a run no
 * device may show an indicator whose typist's last planned start in that room is older than
 * the TTL (plus a margin). Pure.
 */
export function checkTyping(input: TypingCheckInput): TypingCheckReport {
  const ttl = input.options?.ttlMs ?? 8000;
  const margin = input.options?.marginMs ?? 2000;
  const violations = new FindingLog<TypingViolationKind, TypingViolation>(
    ['typing-stuck'],
    input.options?.maxListed ?? 200,
  );
  const keyOf = new Map<string, string>();
  for (const room of input.plan.rooms) {
    const id = lookup(input.roomIds, room.key);
    if (id !== undefined) keyOf.set(id, room.key);
  }
  // (typist, room key) -> the last planned start (ms from t0).
  const lastStart = new Map<string, number>();
  for (const typing of input.plan.typing) {
    const key = `${typing.user}\u0000${typing.room}`;
    lastStart.set(key, Math.max(lastStart.get(key) ?? -Infinity, typing.atMs));
  }
  let shown = 0;
  let recent = 0;
  for (const view of input.views) {
    for (const indicator of view.shown) {
      shown++;
      const roomKey = keyOf.get(indicator.room);
      const started = roomKey === undefined ? undefined : lastStart.get(`${indicator.user}\u0000${roomKey}`);
      const age = started === undefined ? undefined : view.at - (input.t0 + started);
      if (age !== undefined && age <= ttl + margin) {
        recent++;
        continue;
      }
      violations.add({
        kind: 'typing-stuck',
        room: indicator.room,
        ...(roomKey === undefined ? {} : { roomKey }),
        user: view.user,
        device: view.device,
        detail:
          age === undefined
            ? `${view.user}/${view.device} shows ${indicator.user} typing in ${roomKey ?? indicator.room}, who was never planned to type there`
            : `${view.user}/${view.device} still shows ${indicator.user} typing in room ${roomKey}, ${Math.round(age)} ms after the last start (ttl ${ttl} ms)`,
      });
    }
  }
  return {
    ok: violations.total === 0,
    violations: violations.listed,
    violationCounts: violations.counts,
    totalViolations: violations.total,
    planned: input.plan.typing.length,
    shown,
    recent,
  };
}
