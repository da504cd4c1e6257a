import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { jwtSettingsProblem, type JwtSettings } from '../auth/jwt.js';
import {
  DEFAULT_LIMITS,
  DEFAULT_MAX_CONNECTIONS_PER_USER,
  DEFAULT_MAX_DEVICES_PER_USER,
  DEFAULT_MAX_INFLIGHT_REQUESTS,
  DEFAULT_MAX_PENDING_PER_IP,
  DEFAULT_MAX_ROOMS_PER_USER,
  DEFAULT_ROOM_ADD_BURST,
  DEFAULT_ROOM_ADD_RATE,
  HELLO_TIMEOUT_MS,
  type ProtocolLimits,
} from '../protocol/limits.js';
import { isId } from '../protocol/ids.js';

/** Everything a role needs to join a cluster. Every field documents its default. */
export interface ClusterConfig {
  /** Postgres URL (CHAT_POSTGRES_URL). No default outside `chat-node dev`. */
  postgresUrl: string;
  /** Redis URL (CHAT_REDIS_URL). */
  redisUrl: string;
  /** NATS servers, comma-separated (CHAT_NATS_URL). */
  natsUrl: string;
  /**
   * Most Postgres connections this process keeps (CHAT_POSTGRES_POOL). Default per role: gateway 10,
   * or 12 shared by the processes of `gateway --workers N` (at least 3 each); fan-out 8; presence 5;
   * pusher 4. A cluster's sum must stay under the server's max_connections.
   */
  postgresPool: number | undefined;
  /** Prefix of every NATS subject, stream name and Redis key, so clusters can share servers (CHAT_NAMESPACE, default "chat"). */
  namespace: string;
  /** Number of send partitions (CHAT_PARTITIONS, default 16). Every role of a cluster must agree. */
  partitions: number;
  /** JetStream replica count for the streams (CHAT_STREAM_REPLICAS, default 1; use 3 on a NATS cluster). */
  streamReplicas: number;
  jwt: JwtSettings;
  /** Server ping interval, announced in welcome (CHAT_HEARTBEAT_MS, default 5000). */
  heartbeatMs: number;
  /** How long a silent device stays connected (CHAT_PRESENCE_TIMEOUT_MS, default 30000). */
  presenceTimeoutMs: number;
  /** A disconnected user goes offline only if no device came back within this (CHAT_PRESENCE_GRACE_MS, default 5000). */
  presenceGraceMs: number;
  /** Rooms with more members get no presence fan-out; members query instead (CHAT_PRESENCE_FANOUT_MAX, default 100). */
  presenceFanoutMax: number;
  /** A typing start ends by itself after this (CHAT_TYPING_TTL_MS, default 8000). */
  typingTtlMs: number;
  /** At most one typing start per user and room is forwarded per this interval (CHAT_TYPING_THROTTLE_MS, default 2000). */
  typingThrottleMs: number;
  /**
   * Push to a device without a live connection 'always', or 'hold-while-active': not while any
   * device of the user is connected or was within pushActiveWindowSec (CHAT_PUSH_POLICY, default always).
   */
  pushPolicy: 'always' | 'hold-while-active';
  /** CHAT_PUSH_ACTIVE_WINDOW_SEC, default 60. */
  pushActiveWindowSec: number;
  limits: ProtocolLimits;
  /** Gateway: longest hold of a long-poll request, in ms (CHAT_POLL_TIMEOUT_MS, default 25000). */
  pollTimeoutMs: number;
  /**
   * Gateway: browser origins allowed to call the long-poll endpoints and to open WebSockets, `*` for
   * any (CHAT_CORS_ORIGINS, comma-separated). Default none: long-poll same-origin only, WebSockets any.
   */
  corsOrigins: string[];
  /** Gateway: ms from TCP accept to a complete upgrade and hello; slower clients are cut (CHAT_HELLO_TIMEOUT_MS, default 10000). */
  helloTimeoutMs: number;
  /**
   * Gateway: most WebSocket connections of one client address (IPv6: its /64) upgraded but still
   * without hello, per gateway process; more are refused with HTTP 429, and so is long-poll session
   * creation from that address (CHAT_MAX_PENDING_PER_IP, default 1000; 0 = no cap).
   */
  maxPendingPerIp: number;
  /** Gateway: most connections of one user on one gateway process (CHAT_MAX_CONNECTIONS_PER_USER, default 32). */
  maxConnectionsPerUser: number;
  /** Gateway: most devices of one user online at once, cluster-wide (CHAT_MAX_DEVICES_PER_USER, default 16). */
  maxDevicesPerUser: number;
  /** Gateway: requests of one user running at once, 32x as many may wait, more are rate_limited (CHAT_MAX_INFLIGHT_REQUESTS, default 8). */
  maxInflightRequests: number;
  /** Sustained sends per second per connection (CHAT_SEND_RATE, default 20) and burst (CHAT_SEND_BURST, default 40). */
  sendRatePerSec: number;
  sendBurst: number;
  /**
   * Gateway: users one user may add to rooms per second, sustained (CHAT_ROOM_ADD_RATE, default 10),
   * and at once (CHAT_ROOM_ADD_BURST, default 1000), per gateway process; room.create counts the
   * members it adds (at least 1), room.members.add the users.
   */
  roomAddRatePerSec: number;
  roomAddBurst: number;
  /** Most rooms a user is a member of; creates and adds beyond it are refused for that user (CHAT_MAX_ROOMS_PER_USER, default 10000). */
  maxRoomsPerUser: number;
  /** This process's node id: NATS subject token and Redis route value (CHAT_NODE_ID, default <role>-<host>-<random>). */
  nodeId: string;
  /** pino level (CHAT_LOG_LEVEL, default info). */
  logLevel: string;
}

/** Values as they arrive from flags (oclif already folds in the CHAT_* environment). */
export type ConfigInput = Partial<{
  [K in keyof ClusterConfig]: ClusterConfig[K] extends object ? Partial<ClusterConfig[K]> : ClusterConfig[K] | undefined;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const DEFAULTS = {
  namespace: 'chat',
  partitions: 16,
  streamReplicas: 1,
  heartbeatMs: 5000,
  presenceTimeoutMs: 30_000,
  sendRatePerSec: 20,
  sendBurst: 40,
  presenceGraceMs: 5000,
  presenceFanoutMax: 100,
  typingTtlMs: 8000,
  typingThrottleMs: 2000,
  pushPolicy: 'always' as const,
  pushActiveWindowSec: 60,
  pollTimeoutMs: 25_000,
  logLevel: 'info',
  /** A day: a leaked token stops working by the next day, however far away its exp. */
  maxTokenTtlSec: 86_400,
};

/** Reads a JSON config file (CHAT_CONFIG / --config); its keys are ClusterConfig's. */
export function readConfigFile(path: string | undefined): ConfigInput {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('top level must be an object');
    return parsed as ConfigInput;
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid: ${(error as Error).message}`);
  }
}

function pick<T>(...values: Array<T | undefined>): T | undefined {
  return values.find((value) => value !== undefined && value !== '');
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result <= 0) throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
  return result;
}

function optionalPositiveInt(name: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : positiveInt(name, value, value);
}

function pushPolicyOf(value: string): 'always' | 'hold-while-active' {
  if (value !== 'always' && value !== 'hold-while-active') throw new ConfigError(`push-policy must be always or hold-while-active, got ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 0) throw new ConfigError(`${name} must be a whole number >= 0, got ${String(value)}`);
  return result;
}

/** Merges flags/env over the config file over defaults, and validates the result. */
export function resolveConfig(role: string, fromFlags: ConfigInput, fromFile: ConfigInput = {}): ClusterConfig {
  const need = (name: string, value: string | undefined, env: string): string => {
    if (!value) throw new ConfigError(`${name} is not set: pass --${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} or set ${env}`);
    return value;
  };
  const namespace = pick(fromFlags.namespace, fromFile.namespace) ?? DEFAULTS.namespace;
  if (!isId(namespace) || namespace.includes('-')) throw new ConfigError(`namespace must be letters, digits or _ (it names NATS streams), got ${namespace}`);
  const nodeId = pick(fromFlags.nodeId, fromFile.nodeId) ?? `${role}-${hostname().replace(/[^A-Za-z0-9_-]/g, '')}-${randomBytes(3).toString('hex')}`.slice(0, 64);
  if (!isId(nodeId)) throw new ConfigError(`node id must match ^[A-Za-z0-9_-]{1,64}$, got ${nodeId}`);
  const heartbeatMs = positiveInt('heartbeat-ms', pick(fromFlags.heartbeatMs, fromFile.heartbeatMs), DEFAULTS.heartbeatMs);
  const presenceTimeoutMs = positiveInt('presence-timeout-ms', pick(fromFlags.presenceTimeoutMs, fromFile.presenceTimeoutMs), DEFAULTS.presenceTimeoutMs);
  if (presenceTimeoutMs < heartbeatMs) throw new ConfigError('presence-timeout-ms must be at least heartbeat-ms');
  const limits = { ...DEFAULT_LIMITS, ...fromFile.limits, ...definedOnly(fromFlags.limits ?? {}) };
  positiveInt('max-frame-bytes', limits.maxFrameBytes, DEFAULT_LIMITS.maxFrameBytes);
  positiveInt('max-body-chars', limits.maxBodyChars, DEFAULT_LIMITS.maxBodyChars);
  positiveInt('max-group-members', limits.maxGroupMembers, DEFAULT_LIMITS.maxGroupMembers);
  const jwt: JwtSettings = { maxTokenTtlSec: DEFAULTS.maxTokenTtlSec, ...fromFile.jwt, ...definedOnly(fromFlags.jwt ?? {}) };
  // 0 means no cap.
  if (jwt.maxTokenTtlSec === 0) delete jwt.maxTokenTtlSec;
  const jwtProblem = jwtSettingsProblem(jwt);
  if (jwtProblem) throw new ConfigError(jwtProblem);
  return {
    postgresUrl: need('postgresUrl', pick(fromFlags.postgresUrl, fromFile.postgresUrl), 'CHAT_POSTGRES_URL'),
    redisUrl: need('redisUrl', pick(fromFlags.redisUrl, fromFile.redisUrl), 'CHAT_REDIS_URL'),
    natsUrl: need('natsUrl', pick(fromFlags.natsUrl, fromFile.natsUrl), 'CHAT_NATS_URL'),
    postgresPool: optionalPositiveInt('postgres-pool', pick(fromFlags.postgresPool, fromFile.postgresPool)),
    namespace,
    partitions: positiveInt('partitions', pick(fromFlags.partitions, fromFile.partitions), DEFAULTS.partitions),
    streamReplicas: positiveInt('stream-replicas', pick(fromFlags.streamReplicas, fromFile.streamReplicas), DEFAULTS.streamReplicas),
    jwt,
    heartbeatMs,
    presenceTimeoutMs,
    presenceGraceMs: nonNegativeInt('presence-grace-ms', pick(fromFlags.presenceGraceMs, fromFile.presenceGraceMs), DEFAULTS.presenceGraceMs),
    presenceFanoutMax: nonNegativeInt('presence-fanout-max', pick(fromFlags.presenceFanoutMax, fromFile.presenceFanoutMax), DEFAULTS.presenceFanoutMax),
    typingTtlMs: positiveInt('typing-ttl-ms', pick(fromFlags.typingTtlMs, fromFile.typingTtlMs), DEFAULTS.typingTtlMs),
    typingThrottleMs: nonNegativeInt('typing-throttle-ms', pick(fromFlags.typingThrottleMs, fromFile.typingThrottleMs), DEFAULTS.typingThrottleMs),
    pushPolicy: pushPolicyOf(pick(fromFlags.pushPolicy, fromFile.pushPolicy) ?? DEFAULTS.pushPolicy),
    pushActiveWindowSec: nonNegativeInt('push-active-window-sec', pick(fromFlags.pushActiveWindowSec, fromFile.pushActiveWindowSec), DEFAULTS.pushActiveWindowSec),
    limits,
    pollTimeoutMs: positiveInt('poll-timeout-ms', pick(fromFlags.pollTimeoutMs, fromFile.pollTimeoutMs), DEFAULTS.pollTimeoutMs),
    corsOrigins: corsOriginsOf(pick<unknown>(fromFlags.corsOrigins, fromFile.corsOrigins)),
    helloTimeoutMs: positiveInt('hello-timeout-ms', pick(fromFlags.helloTimeoutMs, fromFile.helloTimeoutMs), HELLO_TIMEOUT_MS),
    maxPendingPerIp: nonNegativeInt('max-pending-per-ip', pick(fromFlags.maxPendingPerIp, fromFile.maxPendingPerIp), DEFAULT_MAX_PENDING_PER_IP),
    maxConnectionsPerUser: positiveInt('max-connections-per-user', pick(fromFlags.maxConnectionsPerUser, fromFile.maxConnectionsPerUser), DEFAULT_MAX_CONNECTIONS_PER_USER),
    maxDevicesPerUser: positiveInt('max-devices-per-user', pick(fromFlags.maxDevicesPerUser, fromFile.maxDevicesPerUser), DEFAULT_MAX_DEVICES_PER_USER),
    maxInflightRequests: positiveInt('max-inflight-requests', pick(fromFlags.maxInflightRequests, fromFile.maxInflightRequests), DEFAULT_MAX_INFLIGHT_REQUESTS),
    sendRatePerSec: positiveInt('send-rate', pick(fromFlags.sendRatePerSec, fromFile.sendRatePerSec), DEFAULTS.sendRatePerSec),
    sendBurst: positiveInt('send-burst', pick(fromFlags.sendBurst, fromFile.sendBurst), DEFAULTS.sendBurst),
    roomAddRatePerSec: positiveInt('room-add-rate', pick(fromFlags.roomAddRatePerSec, fromFile.roomAddRatePerSec), DEFAULT_ROOM_ADD_RATE),
    roomAddBurst: positiveInt('room-add-burst', pick(fromFlags.roomAddBurst, fromFile.roomAddBurst), DEFAULT_ROOM_ADD_BURST),
    maxRoomsPerUser: positiveInt('max-rooms-per-user', pick(fromFlags.maxRoomsPerUser, fromFile.maxRoomsPerUser), DEFAULT_MAX_ROOMS_PER_USER),
    nodeId,
    logLevel: pick(fromFlags.logLevel, fromFile.logLevel) ?? DEFAULTS.logLevel,
  };
}

/** Origins as `scheme://host[:port]` (what browsers send in Origin), or `*`; a list or a comma-separated string. */
function corsOriginsOf(value: unknown): string[] {
  const values = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : value === undefined ? [] : undefined;
  if (!values || values.some((item) => typeof item !== 'string')) throw new ConfigError('cors-origins must be a list of origins');
  const origins = (values as string[]).map((item) => item.trim()).filter((item) => item !== '');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`cors-origins: ${origin} is not an origin like https://app.example.com (scheme, host, optional port; no path) or *`);
    }
  }
  return origins;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
