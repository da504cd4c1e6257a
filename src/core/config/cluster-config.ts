import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { jwtSettingsProblem, parseDuration, type JwtSettings } from '../auth/jwt.js';
import type { ProtocolLimits } from '../protocol/limits.js';
import { isId } from '../protocol/ids.js';
import { defaultOf, kebabOf, type SettingKey } from './settings.js';

/**
 * Everything a role needs to join a cluster. Each field is a setting of the table in settings.ts,
 * which says its flag, variable, default and meaning (and is where they change); comments here
 * say only what the code must know beyond that.
 */
export interface ClusterConfig {
  /** No default outside `chat-node dev` and `chat-node cluster`. */
  postgresUrl: string;
  /** With redisCluster, seed nodes comma-separated. */
  redisUrl: string;
  redisCluster: boolean;
  natsUrl: string;
  /** A .creds file to authenticate to NATS with (operator mode). */
  natsCredsFile?: string;
  /** A PEM CA file to verify the NATS servers' TLS certificates with; set, the connection must be TLS. */
  natsTlsCaFile?: string;
  /** Undefined: the role's default (a cluster's sum must stay under the server's max_connections). */
  postgresPool: number | undefined;
  /** Letters, digits and _: it names NATS streams. */
  namespace: string;
  /** Every role of a cluster must agree. */
  partitions: number;
  streamReplicas: number;
  jwt: JwtSettings;
  /** Announced in welcome. */
  heartbeatMs: number;
  /** At least heartbeatMs. */
  presenceTimeoutMs: number;
  presenceGraceMs: number;
  presenceFanoutMax: number;
  typingTtlMs: number;
  typingThrottleMs: number;
  /** 'hold-while-active': not while any device of the user is connected or was within pushActiveWindowSec. */
  pushPolicy: 'always' | 'hold-while-active';
  pushActiveWindowSec: number;
  /**
   * Up to this many live gateway processes the fan-out publishes a batch to all of them at once and
   * looks the routes up afterwards (for push decisions and the history cache only); 0: always by route.
   */
  broadcastGateways: number;
  limits: ProtocolLimits;
  pollTimeoutMs: number;
  /** Origins as browsers send them (`scheme://host[:port]`), or `*`; [] = none. */
  corsOrigins: string[];
  helloTimeoutMs: number;
  /** 0 = no cap. */
  maxPendingPerIp: number;
  /** Undefined: derived from the process's open-file limit (gateway-node.ts); 0: no cap. */
  maxConnections: number | undefined;
  maxConnectionsPerUser: number;
  maxDevicesPerUser: number;
  maxInflightRequests: number;
  sendRatePerSec: number;
  sendBurst: number;
  /** room.create counts the members it adds (at least 1), room.members.add the users. */
  roomAddRatePerSec: number;
  roomAddBurst: number;
  maxRoomsPerUser: number;
  /** NATS subject token and Redis route value. */
  nodeId: string;
  /** A pino level. */
  logLevel: string;
}

/** Values as given (resolveSettings' configInputOf, or a program's own), in ClusterConfig's shape. */
export type ConfigInput = Partial<{
  [K in keyof ClusterConfig]: ClusterConfig[K] extends object
    ? Partial<ClusterConfig[K]>
    : ClusterConfig[K] | undefined;
}>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The table's default of a numeric setting. */
function numberDefault(key: SettingKey): number {
  return defaultOf(key) as number;
}

function pick<T>(...values: Array<T | undefined>): T | undefined {
  return values.find((value) => value !== undefined && value !== '');
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result <= 0)
    throw new ConfigError(`${name} must be a positive integer, got ${String(value)}`);
  return result;
}

function optionalPositiveInt(name: string, value: number | undefined): number | undefined {
  return value === undefined ? undefined : positiveInt(name, value, value);
}

function pushPolicyOf(value: string): 'always' | 'hold-while-active' {
  if (value !== 'always' && value !== 'hold-while-active')
    throw new ConfigError(`push-policy must be always or hold-while-active, got ${value}`);
  return value;
}

function nonNegativeInt(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isInteger(result) || result < 0)
    throw new ConfigError(`${name} must be a whole number >= 0, got ${String(value)}`);
  return result;
}

/**
 * Merges two inputs (the first wins) over the settings table's defaults, and validates the
 * result. Roles pass one input, already merged by resolveSettings (flags > env > config file).
 */
export function resolveConfig(role: string, fromFlags: ConfigInput, fromFile: ConfigInput = {}): ClusterConfig {
  const need = (name: string, value: string | undefined, env: string): string => {
    if (!value) throw new ConfigError(`${name} is not set: pass --${kebabOf(name)} or set ${env}`);
    return value;
  };
  const given = (key: keyof ConfigInput) =>
    pick(fromFlags[key] as number | undefined, fromFile[key] as number | undefined);
  const positive = (name: string, key: keyof ConfigInput, setting: SettingKey = key as SettingKey) =>
    positiveInt(name, given(key), numberDefault(setting));
  const whole = (name: string, key: keyof ConfigInput & SettingKey) =>
    nonNegativeInt(name, given(key), numberDefault(key));
  const namespace = pick(fromFlags.namespace, fromFile.namespace) ?? (defaultOf('namespace') as string);
  if (!isId(namespace) || namespace.includes('-'))
    throw new ConfigError(`namespace must be letters, digits or _ (it names NATS streams), got ${namespace}`);
  const nodeId =
    pick(fromFlags.nodeId, fromFile.nodeId) ??
    `${role}-${hostname().replace(/[^A-Za-z0-9_-]/g, '')}-${randomBytes(3).toString('hex')}`.slice(0, 64);
  if (!isId(nodeId)) throw new ConfigError(`node id must match ^[A-Za-z0-9_-]{1,64}$, got ${nodeId}`);
  const heartbeatMs = positive('heartbeat-ms', 'heartbeatMs');
  const presenceTimeoutMs = positive('presence-timeout-ms', 'presenceTimeoutMs');
  if (presenceTimeoutMs < heartbeatMs) throw new ConfigError('presence-timeout-ms must be at least heartbeat-ms');
  const givenLimits = { ...definedOnly(fromFile.limits ?? {}), ...definedOnly(fromFlags.limits ?? {}) };
  const limits: ProtocolLimits = {
    maxFrameBytes: positiveInt('max-frame-bytes', givenLimits.maxFrameBytes, numberDefault('maxFrameBytes')),
    maxBodyChars: positiveInt('max-body-chars', givenLimits.maxBodyChars, numberDefault('maxBodyChars')),
    maxGroupMembers: positiveInt('max-group-members', givenLimits.maxGroupMembers, numberDefault('maxGroupMembers')),
  };
  const defaultTtl = parseDuration(String(defaultOf('maxTokenTtl')));
  const jwt: JwtSettings = {
    maxTokenTtlSec: defaultTtl,
    ...definedOnly(fromFile.jwt ?? {}),
    ...definedOnly(fromFlags.jwt ?? {}),
  };
  // 0 means no cap.
  if (jwt.maxTokenTtlSec === 0) delete jwt.maxTokenTtlSec;
  const jwtProblem = jwtSettingsProblem(jwt);
  if (jwtProblem) throw new ConfigError(jwtProblem);
  return {
    postgresUrl: need('postgresUrl', pick(fromFlags.postgresUrl, fromFile.postgresUrl), 'CHAT_POSTGRES_URL'),
    redisUrl: need('redisUrl', pick(fromFlags.redisUrl, fromFile.redisUrl), 'CHAT_REDIS_URL'),
    redisCluster: pick(fromFlags.redisCluster, fromFile.redisCluster) ?? false,
    natsUrl: need('natsUrl', pick(fromFlags.natsUrl, fromFile.natsUrl), 'CHAT_NATS_URL'),
    ...definedOnly({
      natsCredsFile: pick(fromFlags.natsCredsFile, fromFile.natsCredsFile),
      natsTlsCaFile: pick(fromFlags.natsTlsCaFile, fromFile.natsTlsCaFile),
    }),
    postgresPool: optionalPositiveInt('postgres-pool', pick(fromFlags.postgresPool, fromFile.postgresPool)),
    namespace,
    partitions: positive('partitions', 'partitions'),
    streamReplicas: positive('stream-replicas', 'streamReplicas'),
    jwt,
    heartbeatMs,
    presenceTimeoutMs,
    presenceGraceMs: whole('presence-grace-ms', 'presenceGraceMs'),
    presenceFanoutMax: whole('presence-fanout-max', 'presenceFanoutMax'),
    typingTtlMs: positive('typing-ttl-ms', 'typingTtlMs'),
    typingThrottleMs: whole('typing-throttle-ms', 'typingThrottleMs'),
    pushPolicy: pushPolicyOf(pick(fromFlags.pushPolicy, fromFile.pushPolicy) ?? (defaultOf('pushPolicy') as string)),
    pushActiveWindowSec: whole('push-active-window-sec', 'pushActiveWindowSec'),
    broadcastGateways: whole('broadcast-gateways', 'broadcastGateways'),
    limits,
    pollTimeoutMs: positive('poll-timeout-ms', 'pollTimeoutMs'),
    corsOrigins: corsOriginsOf(pick<unknown>(fromFlags.corsOrigins, fromFile.corsOrigins)),
    helloTimeoutMs: positive('hello-timeout-ms', 'helloTimeoutMs'),
    maxPendingPerIp: whole('max-pending-per-ip', 'maxPendingPerIp'),
    maxConnections:
      given('maxConnections') === undefined ? undefined : nonNegativeInt('max-connections', given('maxConnections'), 0),
    maxConnectionsPerUser: positive('max-connections-per-user', 'maxConnectionsPerUser'),
    maxDevicesPerUser: positive('max-devices-per-user', 'maxDevicesPerUser'),
    maxInflightRequests: positive('max-inflight-requests', 'maxInflightRequests'),
    sendRatePerSec: positive('send-rate', 'sendRatePerSec', 'sendRate'),
    sendBurst: positive('send-burst', 'sendBurst'),
    roomAddRatePerSec: positive('room-add-rate', 'roomAddRatePerSec', 'roomAddRate'),
    roomAddBurst: positive('room-add-burst', 'roomAddBurst'),
    maxRoomsPerUser: positive('max-rooms-per-user', 'maxRoomsPerUser'),
    nodeId,
    logLevel: pick(fromFlags.logLevel, fromFile.logLevel) ?? (defaultOf('logLevel') as string),
  };
}

/** Origins as `scheme://host[:port]` (what browsers send in Origin), or `*`; a list or a comma-separated string. */
function corsOriginsOf(value: unknown): string[] {
  const values =
    typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : value === undefined ? [] : undefined;
  if (!values || values.some((item) => typeof item !== 'string'))
    throw new ConfigError('cors-origins must be a list of origins');
  const origins = (values as string[]).map((item) => item.trim()).filter((item) => item !== '');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(
        `cors-origins: ${origin} is not an origin like https://app.example.com (scheme, host, optional port; no path) or *`,
      );
    }
  }
  return origins;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}
