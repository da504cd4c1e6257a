import type { AckRecord, DeviceLog, SimPlan } from '../sim-types.js';
import { samplePercentiles, type CheckFinding, type SamplePercentiles } from './check-finding.js';
import { FindingLog } from './finding-log.js';
import type { ConnectionWindow, Lookup } from './oracle-types.js';
import { deviceKey, lookup, RunIndex } from './run-index.js';

/** One line of the push log: a notification the local APNs/FCM fake accepted. */
export interface PushNotificationRecord {
  platform: 'apns' | 'fcm';
  token: string;
  /** The room id the notification is about ('' when it carried none). */
  room: string;
  /** When the fake accepted it (ms, epoch). */
  at: number;
}

/** A push token a device registered during the run. */
export interface PushRegistrationRecord {
  platform: 'apns' | 'fcm';
  token: string;
}

/**
 * The cluster's fan-out push policy (CHAT_PUSH_POLICY): `always` (the default) pushes every
 * message to every registered device without a live connection; `hold-while-active` pushes
 * only when no device of the user was connected within the active window.
 */
export type AssumedPushPolicy = 'always' | 'hold-while-active';

export interface PushCheckOptions {
  policy?: AssumedPushPolicy;
  /**
   * Slack around each connect and disconnect (default 2000 ms): the route a gateway registers
   * before welcome and removes after a close is what the fan-out reads, later than the device's
   * own clock says by the gateway's event-loop lag, which on a loaded machine reaches a second.
   * Messages decided within it of a transition neither demand a push nor make one unexpected.
   */
  marginMs?: number;
  /**
   * A message acked less than this before the log was read (default 5000 ms: the pusher's 1 s
   * collapse window, a provider round trip, a JetStream redelivery) demands nothing yet.
   */
  settleMs?: number;
  /** With hold-while-active: CHAT_PUSH_ACTIVE_WINDOW_SEC in ms (default 60 000). */
  activeWindowMs?: number;
  /** Most violations listed (all are counted); default 200. */
  maxListed?: number;
}

export interface PushCheckInput {
  plan: SimPlan;
  roomIds: Lookup<string>;
  acks: readonly AckRecord[];
  /** Connection windows per device (deviceKey). */
  windows: Lookup<readonly ConnectionWindow[]>;
  /** Tokens the devices registered, by deviceKey. */
  registrations: Lookup<PushRegistrationRecord>;
  /** Every notification in the push log (other runs' too: tokens not of this run are ignored). */
  notifications: readonly PushNotificationRecord[];
  /** When the log was read (ms, epoch). */
  readAt: number;
  /**
   * What the devices showed, with the run's time zero: a message committed but never acked (its
   * sender went offline before the ack) is pushed like any other, so it may explain a
   * notification; it owes none (the promise is about acked messages).
   */
  shown?: { logs: readonly DeviceLog[]; t0: number };
  options?: PushCheckOptions;
}

/**
 * - push-missing: a (device, room) that had an acked message from someone else while the device
 *   (with hold-while-active: every device of its user) was offline got no notification at all.
 * - push-non-member: a notification to a device's token for a room its user is not a member of.
 * - push-unexpected: a notification for a (device, room) that had no message from someone else
 *   while the device could have been offline: a push to a connected device.
 * - push-unregistered: a planned push device did not get its token registered.
 */
export type PushViolationKind = 'push-missing' | 'push-non-member' | 'push-unexpected' | 'push-unregistered';
export const PUSH_VIOLATION_KINDS: readonly PushViolationKind[] = [
  'push-missing',
  'push-non-member',
  'push-unexpected',
  'push-unregistered',
];

export type PushViolation = CheckFinding<PushViolationKind>;

export interface PushCheckReport {
  ok: boolean;
  policy: AssumedPushPolicy;
  violations: PushViolation[];
  violationCounts: Record<PushViolationKind, number>;
  totalViolations: number;
  devices: { planned: number; registered: number };
  /** (device, room) pairs that must have had at least one notification. */
  expectedPairs: number;
  /** Of those, the ones that had one. */
  notifiedPairs: number;
  /** notifiedPairs / expectedPairs (1 when nothing was expected): slo.pushDelivery. */
  delivery: number;
  /** Pairs whose only offline messages were acked too shortly before the log was read. */
  unsettledPairs: number;
  /** Notifications to this run's tokens, and to other tokens (other runs on the same cluster). */
  notifications: number;
  foreignNotifications: number;
  /** From the first message a notification covers (its ack) to the fake accepting it. */
  latency: SamplePercentiles | null;
}

interface MessageFact {
  room: string;
  seq: number;
  sender: string;
  /** Acked: it owes pushes. An unacked one seen on a device only makes pushes allowed. */
  acked: boolean;
  /** Scheduled send time and first ack: the fan-out decided on the push in between. */
  sentAt: number;
  ackedAt: number;
}

interface Gap {
  /** The device closed its connection. */
  from: number;
  /** The next connection was opened: the earliest the cluster may count the device connected again. */
  to: number;
  /** The next connection went live: the latest it may still count it offline. */
  toLate: number;
}

/**
 * What the push path promised in a run, from the plan, the acks, the devices' connection
 * windows and the notifications the fakes accepted. Pure. The promise (src/core/push/
 * push-planner.ts): a registered device with no live connection gets a push for each message
 * of its rooms from another user (unless muted, which the simulator never does), collapsed per
 * device and room by the pusher; so at least one notification per such (device, room).
 */
export function checkPushes(input: PushCheckInput): PushCheckReport {
  const options = input.options ?? {};
  const policy = options.policy ?? 'always';
  const margin = options.marginMs ?? 2000;
  const settle = options.settleMs ?? 5000;
  const activeWindow = options.activeWindowMs ?? 60_000;
  const index = new RunIndex(input.plan, input.roomIds);
  const violations = new FindingLog<PushViolationKind, PushViolation>(PUSH_VIOLATION_KINDS, options.maxListed ?? 200);

  const messagesByRoom = new Map<string, MessageFact[]>();
  const seen = new Map<string, MessageFact>();
  for (const ack of input.acks) {
    if (!index.rooms.has(ack.room)) continue;
    const key = `${ack.room}\u0000${ack.seq}`;
    const known = seen.get(key);
    if (known) {
      known.ackedAt = Math.min(known.ackedAt, ack.ackedAt);
      continue;
    }
    const fact: MessageFact = {
      room: ack.room,
      seq: ack.seq,
      sender: ack.user,
      acked: true,
      sentAt: ack.sentAt,
      ackedAt: ack.ackedAt,
    };
    seen.set(key, fact);
    const list = messagesByRoom.get(ack.room);
    if (list) list.push(fact);
    else messagesByRoom.set(ack.room, [fact]);
  }
  for (const fact of unackedShown(input, index, seen)) {
    const list = messagesByRoom.get(fact.room);
    if (list) list.push(fact);
    else messagesByRoom.set(fact.room, [fact]);
  }

  const byToken = new Map<string, { user: string; device: string }>();
  let planned = 0;
  for (const user of input.plan.users) {
    for (const device of user.devices) {
      const registration = lookup(input.registrations, deviceKey(user.id, device.id));
      if (device.push) planned++;
      if (registration) byToken.set(registration.token, { user: user.id, device: device.id });
      else if (device.push) {
        violations.add({
          kind: 'push-unregistered',
          room: '',
          user: user.id,
          device: device.id,
          detail: `${deviceKey(user.id, device.id)} was planned to register ${device.push} but has no registered token`,
        });
      }
    }
  }

  const windowsOf = (user: string, device: string) =>
    [...(lookup(input.windows, deviceKey(user, device)) ?? [])].sort((a, b) => a.from - b.from);
  // Expected and allowed (device, room) pairs, keyed token + room; `owed` has every message that
  // surely made a push job (the latencies count from those only).
  const expected = new Map<string, { user: string; device: string; room: string; first: MessageFact; gap: Gap }>();
  const allowed = new Map<string, MessageFact[]>();
  const owed = new Map<string, MessageFact[]>();
  const unsettled = new Set<string>();
  for (const [token, { user, device }] of byToken) {
    const gaps = offlineGaps(windowsOf(user, device));
    const userWindows = policy === 'hold-while-active' ? index.devicesOf(user).flatMap((d) => windowsOf(user, d)) : [];
    for (const room of index.roomsOf(user)) {
      const pair = `${token}\u0000${room.id}`;
      for (const message of messagesByRoom.get(room.id) ?? []) {
        if (message.sender === user) continue;
        if (gaps.some((gap) => gap.from - margin <= message.ackedAt && gap.toLate + margin >= message.sentAt)) {
          const list = allowed.get(pair);
          if (list) list.push(message);
          else allowed.set(pair, [message]);
        }
        const gap = message.acked
          ? gaps.find((g) => g.from <= message.sentAt - margin && g.to >= message.ackedAt + margin)
          : undefined;
        if (!gap) continue;
        // hold-while-active: no device of the user connected within the active window before the decision.
        if (
          policy === 'hold-while-active' &&
          userWindows.some(
            (w) => w.from <= message.ackedAt + margin && (w.to ?? Infinity) >= message.sentAt - activeWindow - margin,
          )
        )
          continue;
        const list = owed.get(pair);
        if (list) list.push(message);
        else owed.set(pair, [message]);
        if (expected.has(pair)) continue;
        if (message.ackedAt + settle > input.readAt) unsettled.add(pair);
        else expected.set(pair, { user, device, room: room.id, first: message, gap });
      }
    }
  }
  for (const pair of expected.keys()) unsettled.delete(pair);

  const notifiedAt = new Map<string, number[]>();
  let ours = 0;
  let foreign = 0;
  const listedOnce = new Set<string>();
  for (const notification of input.notifications) {
    const owner = byToken.get(notification.token);
    if (!owner) {
      foreign++;
      continue;
    }
    ours++;
    const pair = `${notification.token}\u0000${notification.room}`;
    const room = index.rooms.get(notification.room);
    const roomKey = room?.key;
    const where = roomKey === undefined ? { room: notification.room } : { room: notification.room, roomKey };
    if (!room?.members.has(owner.user)) {
      if (listedOnce.has(pair)) violations.count('push-non-member');
      else {
        listedOnce.add(pair);
        violations.add({
          kind: 'push-non-member',
          ...where,
          ...owner,
          detail: `${notification.platform} notification to ${deviceKey(owner.user, owner.device)} for ${roomKey ? `room ${roomKey}` : `room "${notification.room}"`}, which ${owner.user} is not a member of`,
        });
      }
      continue;
    }
    const times = notifiedAt.get(pair);
    if (times) times.push(notification.at);
    else notifiedAt.set(pair, [notification.at]);
    if (!allowed.has(pair) && !listedOnce.has(pair)) {
      listedOnce.add(pair);
      const gaps = offlineGaps(windowsOf(owner.user, owner.device)).map(
        (gap) => `${gap.from}-${Number.isFinite(gap.toLate) ? gap.toLate : 'end'}`,
      );
      violations.add({
        kind: 'push-unexpected',
        ...where,
        ...owner,
        detail: `${deviceKey(owner.user, owner.device)} was connected whenever someone else wrote in room ${roomKey}, yet got a notification for it at ${notification.at} (offline ${gaps.length > 0 ? gaps.join(', ') : 'never'})`,
      });
    }
  }

  let notified = 0;
  for (const [pair, fact] of expected) {
    if (notifiedAt.has(pair)) {
      notified++;
      continue;
    }
    if (!violations.listing()) {
      violations.count('push-missing');
      continue;
    }
    const roomKey = index.roomKey(fact.room);
    violations.add({
      kind: 'push-missing',
      room: fact.room,
      ...(roomKey === undefined ? {} : { roomKey }),
      seq: fact.first.seq,
      user: fact.user,
      device: fact.device,
      detail: `${deviceKey(fact.user, fact.device)} was offline from ${fact.gap.from} to ${Number.isFinite(fact.gap.to) ? fact.gap.to : 'the end'} while ${fact.first.sender} wrote #${fact.first.seq} in room ${roomKey} (acked at ${Math.round(fact.first.ackedAt)}), and no notification for that room arrived`,
    });
  }

  return {
    ok: violations.total === 0,
    policy,
    violations: violations.listed,
    violationCounts: violations.counts,
    totalViolations: violations.total,
    devices: { planned, registered: byToken.size },
    expectedPairs: expected.size,
    notifiedPairs: notified,
    delivery: expected.size === 0 ? 1 : notified / expected.size,
    unsettledPairs: unsettled.size,
    notifications: ours,
    foreignNotifications: foreign,
    latency: samplePercentiles(pushLatencies(owed, notifiedAt)),
  };
}

/**
 * Messages devices showed that no ack covers: decided on between their planned send time and
 * the first time a device showed them (the fan-out pushes right after it delivers).
 */
function unackedShown(input: PushCheckInput, index: RunIndex, acked: ReadonlyMap<string, MessageFact>): MessageFact[] {
  if (!input.shown) return [];
  const facts = new Map<string, MessageFact>();
  for (const log of input.shown.logs) {
    for (const delivery of log.deliveries) {
      const key = `${delivery.room}\u0000${delivery.seq}`;
      if (acked.has(key) || !index.rooms.has(delivery.room)) continue;
      const known = facts.get(key);
      if (known) {
        known.ackedAt = Math.min(known.ackedAt, delivery.at);
        continue;
      }
      const planned = index.plannedSend(delivery.sender, delivery.clientMsgId);
      const sentAt = planned ? input.shown.t0 + planned.atMs : delivery.at;
      facts.set(key, {
        room: delivery.room,
        seq: delivery.seq,
        sender: delivery.sender,
        acked: false,
        sentAt,
        ackedAt: delivery.at,
      });
    }
  }
  for (const fact of facts.values()) fact.sentAt = Math.min(fact.sentAt, fact.ackedAt);
  return [...facts.values()];
}

/** The times a device was offline after it first connected (and registered): between its windows, and after the last one closed. */
function offlineGaps(windows: readonly ConnectionWindow[]): Gap[] {
  const gaps: Gap[] = [];
  for (let i = 0; i < windows.length; i++) {
    const closed = windows[i]!.to;
    if (closed === null) continue;
    const next = windows[i + 1];
    gaps.push({
      from: closed,
      to: next?.from ?? Infinity,
      toLate: next ? (next.liveAt ?? next.to ?? Infinity) : Infinity,
    });
  }
  return gaps;
}

/**
 * Each notification covers the owed messages of its (device, room) acked before it that an
 * earlier notification did not (the pusher collapses a burst into one): its latency counts from
 * the first of them. A notification with no such message (one for a message near a connect or
 * disconnect, which may or may not have made a job; a redelivery) is not counted: matched to an
 * older message it would count a wait for the next message as push latency.
 */
function pushLatencies(owed: Map<string, MessageFact[]>, notifiedAt: Map<string, number[]>): number[] {
  const latencies: number[] = [];
  for (const [pair, times] of notifiedAt) {
    const messages = [...(owed.get(pair) ?? [])].sort((a, b) => a.ackedAt - b.ackedAt);
    let next = 0;
    for (const at of [...times].sort((a, b) => a - b)) {
      if (next >= messages.length || messages[next]!.ackedAt > at) continue;
      latencies.push(at - messages[next]!.ackedAt);
      while (next < messages.length && messages[next]!.ackedAt <= at) next++;
    }
  }
  return latencies;
}
