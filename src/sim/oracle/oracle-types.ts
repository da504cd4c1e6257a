import type { AckRecord, DeviceLog, SimPlan, Violation, ViolationKind } from '../sim-types.js';

/** When a device was connected (ms, epoch); `to: null` means still connected at the end. */
export interface ConnectionWindow {
  from: number;
  to: number | null;
  /**
   * When the connection went live (welcome and sync done), if it did. The gateway registers the
   * device's route in between `from` and this, so the cluster counts it connected from some
   * moment in [from, liveAt]: a loaded machine can make that seconds long.
   */
  liveAt?: number;
}

/** Seqs `from..to` (inclusive) of one room (real id). */
export interface SeqRange {
  room: string;
  from: number;
  to: number;
}

/** Either form the runner happens to hold: a Map or a plain (JSON) object. */
export type Lookup<V> = ReadonlyMap<string, V> | Readonly<Record<string, V>>;

export interface OracleInput {
  plan: SimPlan;
  /** Plan room key -> real room id, for every room the runner created. */
  roomIds: Lookup<string>;
  /** Every ack any device got (a resend's repeated ack may appear twice). */
  acks: readonly AckRecord[];
  /** One log per device that took part. */
  logs: readonly DeviceLog[];
  /** Connection windows per device, keyed by deviceKey(user, device) (`user/device`). */
  windows: Lookup<readonly ConnectionWindow[]>;
  /**
   * Seqs a device skipped on purpose, keyed by deviceKey: a sync of a room with more missed
   * messages than the sync cap (1000) is `truncated`, and the client jumps its cursor past the
   * older ones instead of fetching them. They are counted as `skipped`, not as missing.
   * DeviceLog has no field for this yet; without it such skips read as 'missing'.
   */
  skipped?: Lookup<readonly SeqRange[]>;
  /** When the run ended (ms, epoch). */
  endedAt: number;
  /**
   * The runner reconnected every device and waited for its sync before collecting the logs.
   * When false, deliveries a device could not have had yet are `unsettled`, not missing.
   */
  allSynced: boolean;
  options?: OracleOptions;
}

export interface OracleOptions {
  /** Most violations (and, separately, warnings) listed in the report; all are counted (default 200). */
  maxListed?: number;
  /**
   * Only when allSynced is false: how long a connected device may take to show a message
   * before its absence counts as missing (default 10 000 ms).
   */
  settleMs?: number;
  /**
   * Whether each user's devices must agree on read positions (default true). Off for a target
   * that keeps no read state (the floor: docs/benchmarks.md), which would otherwise fail every
   * multi-device scenario on a promise it never made.
   */
  readState?: boolean;
}

/**
 * - missing, duplicate, out-of-order, seq-gap, read-diverged: as in sim-types. 'duplicate'
 *   is used both for a device showing a (room, seq) twice and for one send (sender,
 *   clientMsgId) committed as two messages (the idempotency of resends failed).
 * - conflict: two different messages at the same (room, seq), across devices or acks (or a
 *   send acked in another room than it was sent to). It is not a duplicate: the sequencer
 *   gave one seq to two messages, and each device may well have shown its own copy once.
 * - send-order: a client's messages to a room were numbered in another order than it sent
 *   them (send-order.ts), though every device may have shown the room's seqs in order.
 */
export type OracleViolationKind = Exclude<ViolationKind, 'unacked-delivered'> | 'conflict' | 'send-order';

/** A Violation (sim-types) with the oracle's kinds and the plan's room key for readers. */
export interface OracleViolation extends Omit<Violation, 'kind'> {
  kind: OracleViolationKind;
  /** The plan's key of `room`, when it is a plan room. */
  roomKey?: string;
}

/**
 * Findings that break no promise of the system, but that a reader of the report should see
 * (non-member-delivery and unknown-room are listed once per device and room, counted per copy):
 * - unacked-delivered: a message was committed and delivered, but its sender never got the
 *   ack (lost with a connection, or the run ended first). The promise is about acked messages;
 *   the sender's outbox would resend it and get the same ack. One per message, not per copy.
 * - non-member-delivery: a device showed a message of a plan room its user is not a member of.
 * - unknown-room: a device showed a message of a room that is not a plan room.
 * - unplanned-ack: an ack for a (user, clientMsgId) the plan never sent.
 * - unplanned-device: a log of a device that is not in the plan (its deliveries are checked
 *   for order and duplicates, but nothing is expected of it).
 */
export type OracleWarningKind =
  'unacked-delivered' | 'non-member-delivery' | 'unknown-room' | 'unplanned-ack' | 'unplanned-device';

export interface OracleWarning extends Omit<Violation, 'kind'> {
  kind: OracleWarningKind;
  roomKey?: string;
}

export interface OracleReport {
  /** No violation, and a log from every planned device. */
  ok: boolean;
  /** The first `maxListed` violations found. */
  violations: OracleViolation[];
  violationCounts: Record<OracleViolationKind, number>;
  totalViolations: number;
  warnings: OracleWarning[];
  warningCounts: Record<OracleWarningKind, number>;

  /** Planned sends. */
  planned: number;
  /** Planned sends acked (each counted once, however many acks it got). */
  acked: number;
  /** Planned sends never acked (rate limits, a device offline at its send time, a crash): not violations. */
  unacked: number;

  /** Sum over acked messages of the logged devices of the room's members (the sender's devices included). */
  expectedDeliveries: number;
  /** Of those, the ones that arrived (the sending device has its message from the ack). */
  observedDeliveries: number;
  /** observedDeliveries / expectedDeliveries (1 when nothing was expected). */
  completeness: number;
  /** Acked messages missing on at least one device. */
  missingMessages: number;
  /** Expected deliveries skipped on purpose by a truncated sync (see OracleInput.skipped). */
  skipped: number;
  /** Expected deliveries a device could not have had yet (only when allSynced is false). */
  unsettled: number;

  /** Every delivery in every log. */
  deliveriesLogged: number;
  /** Distinct (room, seq) seen in acks or logs. */
  messages: number;
  devices: {
    planned: number;
    logged: number;
    /** Planned devices with no log: nothing about them is known (first `maxListed`, as `user/device`). */
    unlogged: string[];
    unloggedCount: number;
  };
  rooms: { planned: number; created: number };
}
