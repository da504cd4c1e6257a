import { DEFAULT_LIMITS } from '../../core/protocol/limits.js';
import { distributionMax, distributionMin, weightedDistribution, type IntDistribution } from './distribution.js';
import { formatDuration, parseDuration } from './duration.js';
import type { ScenarioInput } from './scenario-schema.js';

/**
 * A scenario with every default applied and every duration in milliseconds: what the planner
 * and the runner read. docs/scenarios.md documents each field and its default.
 */
export interface Scenario {
  name: string;
  description: string;
  /** Same seed, same plan. */
  seed: number;
  users: number;
  devicesPerUser: IntDistribution;
  rooms: {
    /** Share of rooms that are 1:1 (0..1). */
    directShare: number;
    /** Average number of rooms a user is in. */
    roomsPerUser: number;
    groupSize: IntDistribution;
    /** Most members in a group; must not exceed the cluster's maxGroupMembers. */
    cap: number;
  };
  messages: {
    /** Messages per second over the whole run at full rate (ratePerUser x users when given per user). */
    totalRate: number;
    /** totalRate / users. */
    ratePerUser: number;
    bodyChars: { min: number; max: number };
  };
  phases: { rampUpMs: number; steadyMs: number; drainMs: number };
  /** `atMs`: every churned device goes offline at this time into steady, at once (a reconnect storm); unset: each at a random time. */
  churn: { share: number; offlineForMs: { min: number; max: number }; atMs?: number };
  typing: { share: number; leadMs: number };
  presence: { checkConvergence: boolean };
  push: { share: number; platform: 'apns' | 'fcm' | 'mixed' };
  /** Share of devices on HTTP long-poll; the rest use a WebSocket (`chat-node sim --transport` overrides both). */
  transport: { longPollShare: number };
  slo: ScenarioSlo;
  /** Settings of the cluster `chat-node sim --local` boots; unset ones keep the cluster's defaults (CLUSTER_DEFAULTS). */
  cluster: LocalClusterSettings;
  clients: {
    /** Load generator processes; unset means ceil(devices / 15000), see resolveClientLayout. */
    processes?: number;
    /** 127.0.0.x source addresses; unset means automatic, see resolveClientLayout. */
    sourceAddresses?: number;
  };
}

/** Objectives the run must meet; an unset one is reported but not checked. */
export interface ScenarioSlo {
  deliverP50Ms?: number;
  deliverP99Ms?: number;
  ackP99Ms?: number;
  /** Share of expected deliveries that must arrive (default 1: every one). */
  completeness: number;
  /**
   * Share of planned sends that must be acked. Completeness is judged over acked sends only, so
   * without this a run whose sends were never committed passes it.
   */
  ackedShare?: number;
  maxConnectionsPerNode?: number;
  minConnectionsPerNode?: number;
  maxBytesPerConnection?: number;
  presenceConvergenceMs?: number;
  /** Share of (push device, room) pairs owed a notification that got one (checked only with a push log). */
  pushDelivery?: number;
  /** Longest time from a churned device's return to its being live again (welcomed and synced). */
  reconnectMaxMs?: number;
  /** Highest ratios to the bare pipeline's figures on the same load (checked when the run is compared with the floor: `sim --floor`). */
  vsFloor?: FloorRatios;
}

/** Ratios of chat-node's figures to the floor's. */
export interface FloorRatios {
  deliverP50?: number;
  deliverP99?: number;
  ackP99?: number;
  /** Server CPU per message: the cluster's processes plus Postgres, NATS and Redis. */
  cpuPerMessage?: number;
}

/**
 * What a scenario may set on the cluster that `sim --local` boots (a `--url` cluster keeps its
 * own: its welcome's heartbeatMs governs). Unset means the cluster's default.
 */
export interface LocalClusterSettings {
  /** The server's ping interval (CHAT_HEARTBEAT_MS). */
  heartbeatMs?: number;
  /** How long a silent device stays connected (CHAT_PRESENCE_TIMEOUT_MS). */
  presenceTimeoutMs?: number;
}

/**
 * The cluster's own defaults (src/core/config/cluster-config.ts; a test keeps the two equal):
 * the scenario's rule between the two settings is checked against them when one is unset.
 */
export const CLUSTER_DEFAULTS = { heartbeatMs: 5000, presenceTimeoutMs: 30_000 } as const;

/**
 * The presence timeout must span at least this many heartbeats. The gateway drops a device only
 * at a heartbeat check, when it has been silent for longer than the timeout; with a timeout of
 * one heartbeat, a pong that lands a moment after the previous ping (a busy event loop) already
 * looks like a full timeout of silence, and live devices are cut.
 */
export const MIN_HEARTBEATS_PER_PRESENCE_TIMEOUT = 2;

/** The defaults docs/scenarios.md states; the planner's tests read them from here. */
export const SCENARIO_DEFAULTS = {
  seed: 1,
  devicesPerUser: 1,
  rooms: { directShare: 0.8, roomsPerUser: 3, groupSize: { min: 3, max: 8 }, cap: DEFAULT_LIMITS.maxGroupMembers },
  bodyChars: { min: 20, max: 200 },
  phases: { rampUp: '10s', steady: '60s', drain: '10s' },
  churn: { share: 0, offlineFor: { min: '5s', max: '20s' } },
  typing: { share: 0, leadMs: 1500 },
  presence: { checkConvergence: false },
  push: { share: 0, platform: 'mixed' },
  transport: { longPollShare: 0 },
  slo: { completeness: 1 },
} as const;

/** Reports a rule a valid-looking file breaks; the loader turns it into a ScenarioError with the line. */
export type RuleBroken = (field: string, expected: string, got?: unknown) => never;

/**
 * Applies defaults and the rules a schema cannot state (min <= max, exactly one rate, group
 * sizes within the cap). `input` has passed the schema.
 */
export function normalizeScenario(input: ScenarioInput, defaultName: string, broken: RuleBroken): Scenario {
  const d = SCENARIO_DEFAULTS;
  const users = input.users;

  const devicesPerUser = distribution(input.devicesPerUser ?? d.devicesPerUser, 'devicesPerUser', broken);

  const cap = input.rooms?.cap ?? d.rooms.cap;
  const directShare = input.rooms?.directShare ?? d.rooms.directShare;
  let groupSize: IntDistribution;
  if (input.rooms?.groupSize === undefined) {
    // The default range shrinks to fit a tiny scenario or a small cap instead of refusing it.
    const limit = Math.min(cap, users);
    groupSize = distribution(
      { min: Math.min(d.rooms.groupSize.min, limit), max: Math.min(d.rooms.groupSize.max, limit) },
      'rooms.groupSize',
      broken,
    );
  } else {
    groupSize = distribution(input.rooms.groupSize, 'rooms.groupSize', broken);
    if (directShare < 1) checkGroupSizes(groupSize, cap, users, broken);
  }
  const roomsPerUser = input.rooms?.roomsPerUser ?? d.rooms.roomsPerUser;

  const { ratePerUser, totalRate: total } = input.messages;
  if (ratePerUser !== undefined && total !== undefined) {
    broken('messages.totalRate', 'exactly one of messages.ratePerUser or messages.totalRate, not both');
  }
  if (ratePerUser === undefined && total === undefined) {
    broken('messages', 'exactly one of messages.ratePerUser or messages.totalRate');
  }
  const totalRate = total ?? ratePerUser! * users;
  if (totalRate > 0 && roomsPerUser === 0)
    broken('rooms.roomsPerUser', 'a number above 0 when messages are sent', roomsPerUser);
  const bodyChars = input.messages.bodyChars ?? d.bodyChars;
  if (bodyChars.max < bodyChars.min)
    broken('messages.bodyChars.max', `at least messages.bodyChars.min (${bodyChars.min})`, bodyChars.max);

  const phases = {
    rampUpMs: duration(input.phases?.rampUp ?? d.phases.rampUp, 'phases.rampUp', broken),
    steadyMs: duration(input.phases?.steady ?? d.phases.steady, 'phases.steady', broken),
    drainMs: duration(input.phases?.drain ?? d.phases.drain, 'phases.drain', broken),
  };
  if (phases.steadyMs === 0) broken('phases.steady', 'a duration above 0', input.phases?.steady);

  const churnShare = input.churn?.share ?? d.churn.share;
  const offlineFor = input.churn?.offlineFor;
  let offlineForMs = {
    min: duration(offlineFor?.min ?? d.churn.offlineFor.min, 'churn.offlineFor.min', broken),
    max: duration(offlineFor?.max ?? d.churn.offlineFor.max, 'churn.offlineFor.max', broken),
  };
  if (offlineFor) {
    if (offlineForMs.max < offlineForMs.min)
      broken(
        'churn.offlineFor.max',
        `at least churn.offlineFor.min (${formatDuration(offlineForMs.min)})`,
        offlineFor.max,
      );
    if (churnShare > 0 && offlineForMs.max > phases.steadyMs) {
      broken(
        'churn.offlineFor.max',
        `at most phases.steady (${formatDuration(phases.steadyMs)}): devices go offline and come back within steady`,
        offlineFor.max,
      );
    }
  } else {
    // The default range is clamped to a short steady phase rather than refused.
    offlineForMs = {
      min: Math.min(offlineForMs.min, phases.steadyMs),
      max: Math.min(offlineForMs.max, phases.steadyMs),
    };
  }
  const atMs = input.churn?.at === undefined ? undefined : duration(input.churn.at, 'churn.at', broken);
  if (atMs !== undefined && atMs + offlineForMs.max > phases.steadyMs) {
    broken(
      'churn.at',
      `at most phases.steady minus churn.offlineFor.max (${formatDuration(Math.max(0, phases.steadyMs - offlineForMs.max))}): the devices come back within steady`,
      input.churn?.at,
    );
  }

  const slo: ScenarioSlo = { completeness: d.slo.completeness, ...input.slo };
  if (
    slo.minConnectionsPerNode !== undefined &&
    slo.maxConnectionsPerNode !== undefined &&
    slo.minConnectionsPerNode > slo.maxConnectionsPerNode
  ) {
    broken(
      'slo.minConnectionsPerNode',
      `at most slo.maxConnectionsPerNode (${slo.maxConnectionsPerNode})`,
      slo.minConnectionsPerNode,
    );
  }

  const cluster = localClusterSettings(input.cluster, broken);

  return {
    name: input.name ?? defaultName,
    description: input.description ?? '',
    seed: input.seed ?? d.seed,
    users,
    devicesPerUser,
    rooms: { directShare, roomsPerUser, groupSize, cap },
    messages: { totalRate, ratePerUser: totalRate / users, bodyChars: { min: bodyChars.min, max: bodyChars.max } },
    phases,
    churn: atMs === undefined ? { share: churnShare, offlineForMs } : { share: churnShare, offlineForMs, atMs },
    typing: {
      share: input.typing?.share ?? d.typing.share,
      leadMs: duration(input.typing?.leadMs ?? d.typing.leadMs, 'typing.leadMs', broken),
    },
    presence: { checkConvergence: input.presence?.checkConvergence ?? d.presence.checkConvergence },
    push: { share: input.push?.share ?? d.push.share, platform: input.push?.platform ?? d.push.platform },
    transport: { longPollShare: input.transport?.longPollShare ?? d.transport.longPollShare },
    slo,
    cluster,
    clients: { ...input.clients },
  };
}

function localClusterSettings(input: ScenarioInput['cluster'], broken: RuleBroken): LocalClusterSettings {
  if (input === undefined) return {};
  const settings: LocalClusterSettings = {};
  for (const field of ['heartbeatMs', 'presenceTimeoutMs'] as const) {
    const value = input[field];
    if (value === undefined) continue;
    const ms = duration(value, `cluster.${field}`, broken);
    if (ms === 0) broken(`cluster.${field}`, 'a duration above 0', value);
    settings[field] = ms;
  }
  const heartbeatMs = settings.heartbeatMs ?? CLUSTER_DEFAULTS.heartbeatMs;
  const timeoutMs = settings.presenceTimeoutMs ?? CLUSTER_DEFAULTS.presenceTimeoutMs;
  const heartbeats = MIN_HEARTBEATS_PER_PRESENCE_TIMEOUT;
  if (timeoutMs < heartbeatMs * heartbeats) {
    if (settings.presenceTimeoutMs === undefined) {
      broken(
        'cluster.heartbeatMs',
        `at most 1/${heartbeats} of the presence timeout (the cluster's default, ${formatDuration(timeoutMs)}: set cluster.presenceTimeoutMs too)`,
        input.heartbeatMs,
      );
    }
    broken(
      'cluster.presenceTimeoutMs',
      `at least ${heartbeats} heartbeats (${formatDuration(heartbeatMs * heartbeats)}): the gateway drops a silent device only at a heartbeat check, so a shorter timeout cuts live ones`,
      input.presenceTimeoutMs,
    );
  }
  return settings;
}

function distribution(
  value: number | Record<string, number> | { min: number; max: number },
  field: string,
  broken: RuleBroken,
): IntDistribution {
  if (typeof value === 'number') return { kind: 'fixed', value };
  if ('min' in value && 'max' in value && typeof value.min === 'number' && typeof value.max === 'number') {
    if (value.max < value.min) broken(`${field}.max`, `at least ${field}.min (${value.min})`, value.max);
    return value.min === value.max
      ? { kind: 'fixed', value: value.min }
      : { kind: 'range', min: value.min, max: value.max };
  }
  const weights = value as Record<string, number>;
  if (!Object.values(weights).some((weight) => weight > 0)) broken(field, 'at least one weight above 0', weights);
  return weightedDistribution(weights);
}

function checkGroupSizes(groupSize: IntDistribution, cap: number, users: number, broken: RuleBroken): void {
  const field = 'rooms.groupSize';
  if (groupSize.kind === 'weighted') {
    for (const size of groupSize.values) {
      if (size < 2) broken(`${field}.${size}`, 'a group size of at least 2', size);
      if (size > cap) broken(`${field}.${size}`, `a group size of at most rooms.cap (${cap})`, size);
      if (size > users) broken(`${field}.${size}`, `a group size of at most users (${users})`, size);
    }
    return;
  }
  const max = distributionMax(groupSize);
  const at = groupSize.kind === 'range' ? `${field}.max` : `${field}.min`;
  if (max > cap) broken(at, `at most rooms.cap (${cap})`, max);
  if (max > users) broken(at, `at most users (${users})`, max);
  if (distributionMin(groupSize) < 2) broken(`${field}.min`, 'at least 2', distributionMin(groupSize));
}

function duration(value: number | string, field: string, broken: RuleBroken): number {
  const ms = parseDuration(value);
  return ms ?? broken(field, 'a duration: milliseconds as a number, or a string like 500ms, 10s, 2m', value);
}
