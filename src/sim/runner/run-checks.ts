import chalk from 'chalk';
import {
  checkPresence,
  checkPushes,
  checkTyping,
  type AssumedPushPolicy,
  type CheckFinding,
  type ConnectionWindow,
  type PresenceCheckReport,
  type PushCheckReport,
  type PushNotificationRecord,
  type PushRegistrationRecord,
  type TypingCheckReport,
} from '../oracle/index.js';
import type { ScenarioSlo } from '../scenario/scenario.js';
import { PRESENCE_FANOUT_MAX } from './check-output.js';
import type { RunOutcome } from './coordinator.js';
import type { SloResult } from './sim-report.js';

/** The push log of the run, when there is one to check against. */
export interface PushLogInput {
  path: string;
  notifications: readonly PushNotificationRecord[];
  /** When it was read (ms, epoch). */
  readAt: number;
}

export interface RunCheckOptions {
  /** Undefined: the push path is not checked (a cluster without a pusher, or no --push-log). */
  pushLog?: PushLogInput;
  /** The cluster's CHAT_PUSH_POLICY (default `always`, the cluster's default). */
  pushPolicy?: AssumedPushPolicy;
  /** False for a target that keeps no read state (the floor): the oracle skips the read-position check. */
  readState?: boolean;
}

export type PushSection = (PushCheckReport & { checked: true; log: string }) | { checked: false; reason: string };

export interface RunChecks {
  push: PushSection;
  presence: PresenceCheckReport;
  typing: TypingCheckReport;
}

/** The push, presence and typing checks of a finished run (src/sim/oracle), from what the load processes kept. */
export function runChecks(outcome: RunOutcome, options: RunCheckOptions = {}): RunChecks {
  const checks = outcome.outputs.map((output) => output.checks);
  const windows = Object.assign({}, ...outcome.outputs.map((o) => o.windows)) as Record<string, ConnectionWindow[]>;
  let push: PushSection = { checked: false, reason: 'no push log: push not checked' };
  if (options.pushLog) {
    const report = checkPushes({
      plan: outcome.plan,
      roomIds: outcome.roomIds,
      acks: outcome.outputs.flatMap((o) => o.acks),
      windows,
      registrations: Object.assign({}, ...checks.map((c) => c.push)) as Record<string, PushRegistrationRecord>,
      notifications: options.pushLog.notifications,
      readAt: options.pushLog.readAt,
      shown: { logs: outcome.outputs.flatMap((o) => o.logs), t0: outcome.t0 },
      options: { policy: options.pushPolicy ?? 'always' },
    });
    push = { checked: true, log: options.pushLog.path, ...report };
  }
  const presence = checkPresence({
    plan: outcome.plan,
    views: checks.flatMap((c) => c.presence),
    options: { fanoutMax: PRESENCE_FANOUT_MAX, enforce: outcome.scenario.presence.checkConvergence },
  });
  const typing = checkTyping({
    plan: outcome.plan,
    roomIds: outcome.roomIds,
    t0: outcome.t0,
    views: checks.flatMap((c) => c.typing),
  });
  return { push, presence, typing };
}

/** SLO rows of the checks: slo.pushDelivery and slo.presenceConvergenceMs when set, and each check's violations. */
export function checkSlos(checks: RunChecks, slo: ScenarioSlo): SloResult[] {
  const rows: SloResult[] = [];
  const { push, presence, typing } = checks;
  if (slo.pushDelivery !== undefined) {
    rows.push(
      push.checked
        ? {
            name: 'push delivery',
            target: `>= ${slo.pushDelivery}`,
            measured: push.delivery.toFixed(4),
            pass: push.delivery >= slo.pushDelivery,
          }
        : // Nothing to check it against: reported, not failed (a cluster without a pusher).
          { name: 'push delivery', target: `>= ${slo.pushDelivery}`, measured: 'not checked', pass: true },
    );
  }
  if (push.checked) rows.push(noViolation('push check', push.totalViolations));
  if (slo.presenceConvergenceMs !== undefined) {
    const measured = presence.convergenceMs;
    rows.push({
      name: 'presence convergence',
      target: `<= ${slo.presenceConvergenceMs} ms`,
      measured: measured === null ? 'never' : `${measured} ms`,
      pass: measured !== null && measured <= slo.presenceConvergenceMs,
    });
  }
  if (presence.enforced) rows.push(noViolation('presence check', presence.totalViolations));
  rows.push(noViolation('typing check', typing.totalViolations));
  return rows;
}

function noViolation(name: string, count: number): SloResult {
  return { name, target: 'no violation', measured: count === 0 ? 'none' : `${count} violations`, pass: count === 0 };
}

/** The checks' lines of the final table. */
export function formatChecks(checks: RunChecks): string[] {
  const { push, presence, typing } = checks;
  const ms = (value: number) => `${Math.round(value)} ms`;
  const lines: string[] = [];
  if (push.checked) {
    const latency = push.latency
      ? `; ack -> push p50 ${ms(push.latency.p50)}, p90 ${ms(push.latency.p90)}, p99 ${ms(push.latency.p99)}, max ${ms(push.latency.max)}`
      : '';
    lines.push(
      `  push: ${push.devices.registered}/${push.devices.planned} devices registered, ${push.notifications} notifications; ${push.notifiedPairs}/${push.expectedPairs} offline (device, room) pairs notified (delivery ${push.delivery.toFixed(4)})${latency}; ${push.totalViolations} violations`,
    );
    lines.push(...listed(push.violations));
  } else {
    lines.push(`  push: ${push.reason}`);
  }
  const converged =
    presence.convergenceMs === null
      ? 'not converged'
      : `converged ${presence.convergenceMs} ms after the last device came back`;
  lines.push(
    `  presence: ${presence.convergedPairs}/${presence.pairs} views of online co-members show online on ${presence.devices} devices, ${converged}${presence.enforced ? `; ${presence.totalViolations} violations` : ' (not enforced)'}`,
  );
  lines.push(...listed(presence.violations));
  lines.push(
    `  typing: ${typing.planned} typing events planned; ${typing.shown} indicators shown at the end (${typing.recent} too recent to judge); ${typing.totalViolations} violations`,
  );
  lines.push(...listed(typing.violations));
  return lines;
}

function listed(violations: ReadonlyArray<CheckFinding<string>>): string[] {
  return violations
    .slice(0, 10)
    .map((v) =>
      chalk.red(
        `    ${v.kind}: ${v.roomKey ? `room ${v.roomKey} ` : v.room ? `room ${v.room} ` : ''}${v.user && v.device ? `device ${v.user}/${v.device}` : ''}: ${v.detail}`,
      ),
    );
}
