import type { SimPlan } from '../sim-types.js';
import type { CheckFinding } from './check-finding.js';
import { FindingLog } from './finding-log.js';

/** What one device's presence book said at the end of a run, of the co-members it follows. */
export interface PresenceViewRecord {
  user: string;
  device: string;
  /** When the device's last connection went live (ms, epoch); null when it was not connected at the end. */
  liveAt: number | null;
  /** Each co-member's status in the book, and when it last changed there (ms, epoch). Unheard users are absent. */
  seen: Record<string, { status: 'online' | 'offline'; since: number }>;
}

export interface PresenceCheckOptions {
  /**
   * The cluster's CHAT_PRESENCE_FANOUT_MAX (default 100): only co-members of rooms of at most
   * this many members are told of changes, so only they are judged.
   */
  fanoutMax?: number;
  /** presence.checkConvergence: a view that does not match is a violation (otherwise only counted). */
  enforce?: boolean;
  maxListed?: number;
}

export interface PresenceCheckInput {
  plan: SimPlan;
  /** One record per device that took part. */
  views: readonly PresenceViewRecord[];
  options?: PresenceCheckOptions;
}

/** presence-stale: a device connected at the end showed a co-member who was online as offline, or had not heard of them. */
export type PresenceViolationKind = 'presence-stale';
export type PresenceViolation = CheckFinding<PresenceViolationKind>;

export interface PresenceCheckReport {
  ok: boolean;
  enforced: boolean;
  violations: PresenceViolation[];
  violationCounts: Record<PresenceViolationKind, number>;
  totalViolations: number;
  /** Devices connected at the end, whose views were judged. */
  devices: number;
  /** (device, co-member online at the end) pairs judged, and those the device showed online. */
  pairs: number;
  convergedPairs: number;
  /** Pairs not judged: the co-member had no device connected at the end. */
  offlinePeers: number;
  /** When the last device's final connection went live (ms, epoch). */
  allOnlineAt: number | null;
  /** From allOnlineAt until the last judged view turned online; null when some view never did. */
  convergenceMs: number | null;
}

/**
 * At the end of a run, after every device reconnected: every connected device shows every
 * co-member who is online (a user is online while any device is) as online, for co-members
 * of rooms within the presence fan-out cap. Pure. The convergence time is measured from the
 * moment the last device came back to the last moment a judged view changed to online.
 */
export function checkPresence(input: PresenceCheckInput): PresenceCheckReport {
  const fanoutMax = input.options?.fanoutMax ?? 100;
  const enforced = input.options?.enforce ?? false;
  const violations = new FindingLog<PresenceViolationKind, PresenceViolation>(
    ['presence-stale'],
    input.options?.maxListed ?? 200,
  );

  const contacts = presenceContacts(input.plan, fanoutMax);
  const online = new Set<string>();
  let allOnlineAt: number | null = null;
  for (const view of input.views) {
    if (view.liveAt === null) continue;
    online.add(view.user);
    allOnlineAt = Math.max(allOnlineAt ?? -Infinity, view.liveAt);
  }

  let devices = 0;
  let pairs = 0;
  let converged = 0;
  let offlinePeers = 0;
  let settledAt = -Infinity;
  for (const view of input.views) {
    if (view.liveAt === null) continue;
    devices++;
    for (const peer of contacts.get(view.user) ?? []) {
      if (!online.has(peer)) {
        offlinePeers++;
        continue;
      }
      pairs++;
      const seen = view.seen[peer];
      if (seen?.status === 'online') {
        converged++;
        settledAt = Math.max(settledAt, seen.since);
        continue;
      }
      if (!enforced) continue;
      if (!violations.listing()) {
        violations.count('presence-stale');
        continue;
      }
      violations.add({
        kind: 'presence-stale',
        room: '',
        user: view.user,
        device: view.device,
        detail: `${view.user}/${view.device} shows ${peer} as ${seen ? `${seen.status} (since ${seen.since})` : 'unknown (never heard of)'}, but ${peer} is online`,
      });
    }
  }
  const convergenceMs = converged < pairs || allOnlineAt === null ? null : Math.max(0, settledAt - allOnlineAt);
  return {
    ok: violations.total === 0,
    enforced,
    violations: violations.listed,
    violationCounts: violations.counts,
    totalViolations: violations.total,
    devices,
    pairs,
    convergedPairs: converged,
    offlinePeers,
    allOnlineAt,
    convergenceMs,
  };
}

/**
 * Each user's contacts whose presence it is told of (docs/protocol.md "Who is told"): co-members of
 * groups of at most `fanoutMax` members, and the other member of a direct room who sends in it
 * (writing there is what shows one's presence to the other member).
 */
export function presenceContacts(plan: SimPlan, fanoutMax: number): Map<string, Set<string>> {
  const contacts = new Map<string, Set<string>>();
  const writers = new Set(plan.sends.map((send) => `${send.room}\u0000${send.user}`));
  for (const room of plan.rooms) {
    if (room.members.length > fanoutMax) continue;
    for (const member of room.members) {
      let set = contacts.get(member);
      if (!set) contacts.set(member, (set = new Set()));
      for (const other of room.members) {
        if (other !== member && (room.kind === 'group' || writers.has(`${room.key}\u0000${other}`))) set.add(other);
      }
    }
  }
  return contacts;
}
