import { Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { parseDuration } from '../core/auth/jwt.js';
import { ConfigError, readConfigFile, resolveConfig, type ClusterConfig, type ConfigInput } from '../core/config/cluster-config.js';

/** Where the cluster's services are (flag > CHAT_* env > config file). */
export const serviceFlags = {
  config: Flags.string({ description: 'JSON config file with the same keys as the flags (camelCase)', env: 'CHAT_CONFIG' }),
  'postgres-url': Flags.string({ description: 'Postgres URL', env: 'CHAT_POSTGRES_URL', helpGroup: 'SERVICES' }),
  'postgres-pool': Flags.integer({
    description:
      'most Postgres connections of this process (default: gateway 10, or 12 shared by its --workers with at least 3 each; fan-out 8; presence 5; pusher 4)',
    env: 'CHAT_POSTGRES_POOL',
    helpGroup: 'SERVICES',
  }),
  'redis-url': Flags.string({ description: 'Redis URL', env: 'CHAT_REDIS_URL', helpGroup: 'SERVICES' }),
  'nats-url': Flags.string({ description: 'NATS servers, comma-separated', env: 'CHAT_NATS_URL', helpGroup: 'SERVICES' }),
  namespace: Flags.string({
    description: 'prefix of NATS subjects, streams and Redis keys (default chat)',
    env: 'CHAT_NAMESPACE',
    helpGroup: 'SERVICES',
  }),
  partitions: Flags.integer({ description: 'send partitions; all roles must agree (default 16)', env: 'CHAT_PARTITIONS', helpGroup: 'SERVICES' }),
  'stream-replicas': Flags.integer({ description: 'JetStream replicas (default 1)', env: 'CHAT_STREAM_REPLICAS', helpGroup: 'SERVICES' }),
};

/**
 * Where an HS256 secret comes from: a file, or CHAT_JWT_SECRET; never argv, which every user of
 * the machine can read (ps, /proc/<pid>/cmdline). `--jwt-secret` is kept only to say so.
 */
export const jwtSecretFlags = {
  'jwt-secret-file': Flags.string({
    description: 'file holding the HS256 secret (else the CHAT_JWT_SECRET environment variable; never on the command line)',
    env: 'CHAT_JWT_SECRET_FILE',
    helpGroup: 'AUTH',
  }),
  'jwt-secret': Flags.string({ description: 'refused: the secret goes in CHAT_JWT_SECRET or --jwt-secret-file', hidden: true }),
};

/** The HS256 secret from --jwt-secret-file, else CHAT_JWT_SECRET; undefined when neither is set. */
export function jwtSecretOf(flags: { 'jwt-secret'?: unknown; 'jwt-secret-file'?: unknown }): string | undefined {
  if (flags['jwt-secret'] !== undefined) {
    throw new ConfigError('--jwt-secret is refused (every user of the machine can read a command line): set CHAT_JWT_SECRET or pass --jwt-secret-file');
  }
  const file = flags['jwt-secret-file'];
  if (typeof file === 'string' && file !== '') {
    let secret: string;
    try {
      secret = readFileSync(file, 'utf8').trim();
    } catch (error) {
      throw new ConfigError(`cannot read the JWT secret file ${file}: ${(error as Error).message}`);
    }
    if (secret === '') throw new ConfigError(`the JWT secret file ${file} is empty`);
    return secret;
  }
  return process.env.CHAT_JWT_SECRET || undefined;
}

export const jwtFlags = {
  ...jwtSecretFlags,
  'jwt-public-key': Flags.string({ description: 'PEM public key (RS256, ES256, EdDSA)', env: 'CHAT_JWT_PUBLIC_KEY', helpGroup: 'AUTH' }),
  'jwks-url': Flags.string({ description: 'JWKS URL', env: 'CHAT_JWKS_URL', helpGroup: 'AUTH' }),
  'jwt-issuer': Flags.string({ description: 'required iss claim', env: 'CHAT_JWT_ISSUER', helpGroup: 'AUTH' }),
  'jwt-audience': Flags.string({ description: 'required aud claim', env: 'CHAT_JWT_AUDIENCE', helpGroup: 'AUTH' }),
  'max-token-ttl': Flags.string({
    description: 'a token whose exp is further away than this at hello is refused: 90s, 15m, 1h, 7d; 0 = no cap (default 1d)',
    env: 'CHAT_MAX_TOKEN_TTL',
    helpGroup: 'AUTH',
  }),
};

function durationFlag(flags: FlagValues, name: string): number | undefined {
  const value = str(flags, name);
  if (value === undefined) return undefined;
  try {
    return parseDuration(value);
  } catch (error) {
    throw new ConfigError(`--${name}: ${(error as Error).message}`);
  }
}

/** The fan-out's push decisions. */
export const pushPolicyFlags = {
  'push-policy': Flags.string({
    description: 'push a device without a live connection always, or hold back while the user is active elsewhere (default always)',
    env: 'CHAT_PUSH_POLICY',
    options: ['always', 'hold-while-active'],
    helpGroup: 'PUSH',
  }),
  'push-active-window-sec': Flags.integer({
    description: 'hold-while-active: a user seen this recently counts as active (default 60)',
    env: 'CHAT_PUSH_ACTIVE_WINDOW_SEC',
    helpGroup: 'PUSH',
  }),
};

/**
 * The admin listener of a fan-out, presence node or pusher (/healthz, /readyz, /metrics, /trace),
 * named as the gateway's. `--http-port` and `--host`, its former names, still work; their
 * variables (CHAT_HTTP_PORT, CHAT_HOST) do not: CHAT_HOST is the gateway's client address, and
 * one environment shared by every role must not open the others' admin listeners with it.
 */
export function adminListenerFlags(defaultPort: number) {
  return {
    'admin-port': Flags.integer({
      description: 'port of /metrics, /readyz, /trace and /healthz (0: any free port, logged as port)',
      default: defaultPort,
      env: 'CHAT_ADMIN_PORT',
      aliases: ['http-port'],
    }),
    'admin-host': Flags.string({
      description: 'listen address of the admin port; keep it off the public network',
      default: '127.0.0.1',
      env: 'CHAT_ADMIN_HOST',
      aliases: ['host'],
    }),
  };
}

export const nodeFlags = {
  'node-id': Flags.string({ description: 'this node id (default <role>-<host>-<random>)', env: 'CHAT_NODE_ID' }),
  'log-level': Flags.string({
    description: 'log level (default info)',
    env: 'CHAT_LOG_LEVEL',
    options: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
  }),
};

export const connectionFlags = {
  'heartbeat-ms': Flags.integer({ description: 'server ping interval (default 5000)', env: 'CHAT_HEARTBEAT_MS', helpGroup: 'LIMITS' }),
  'presence-timeout-ms': Flags.integer({
    description: 'a silent device is dropped after this (default 30000)',
    env: 'CHAT_PRESENCE_TIMEOUT_MS',
    helpGroup: 'LIMITS',
  }),
  'presence-grace-ms': Flags.integer({
    description: 'a disconnected user goes offline after this unless a device returns (default 5000)',
    env: 'CHAT_PRESENCE_GRACE_MS',
    helpGroup: 'PRESENCE',
  }),
  'presence-fanout-max': Flags.integer({
    description: 'larger rooms get no presence fan-out, only queries (default 100)',
    env: 'CHAT_PRESENCE_FANOUT_MAX',
    helpGroup: 'PRESENCE',
  }),
  'typing-ttl-ms': Flags.integer({ description: 'a typing start ends by itself after this (default 8000)', env: 'CHAT_TYPING_TTL_MS', helpGroup: 'PRESENCE' }),
  'typing-throttle-ms': Flags.integer({
    description: 'at most one typing start per user and room per this (default 2000)',
    env: 'CHAT_TYPING_THROTTLE_MS',
    helpGroup: 'PRESENCE',
  }),
  'max-frame-bytes': Flags.integer({ description: 'largest inbound frame (default 16384)', env: 'CHAT_MAX_FRAME_BYTES', helpGroup: 'LIMITS' }),
  'max-body-chars': Flags.integer({ description: 'longest message body (default 4000)', env: 'CHAT_MAX_BODY_CHARS', helpGroup: 'LIMITS' }),
  'max-group-members': Flags.integer({ description: 'largest group (default 100)', env: 'CHAT_MAX_GROUP_MEMBERS', helpGroup: 'LIMITS' }),
  'send-rate': Flags.integer({ description: 'sends per second per connection (default 20)', env: 'CHAT_SEND_RATE', helpGroup: 'LIMITS' }),
  'send-burst': Flags.integer({ description: 'send burst per connection (default 40)', env: 'CHAT_SEND_BURST', helpGroup: 'LIMITS' }),
  'room-add-rate': Flags.integer({
    description: 'users one user may add to rooms per second (room.create, room.members.add), per gateway process (default 10)',
    env: 'CHAT_ROOM_ADD_RATE',
    helpGroup: 'LIMITS',
  }),
  'room-add-burst': Flags.integer({ description: 'users one user may add to rooms at once (default 1000)', env: 'CHAT_ROOM_ADD_BURST', helpGroup: 'LIMITS' }),
  'max-rooms-per-user': Flags.integer({ description: 'most rooms one user is a member of (default 10000)', env: 'CHAT_MAX_ROOMS_PER_USER', helpGroup: 'LIMITS' }),
  'hello-timeout-ms': Flags.integer({
    description: 'a connection must complete its upgrade and hello within this, else it is cut (default 10000)',
    env: 'CHAT_HELLO_TIMEOUT_MS',
    helpGroup: 'LIMITS',
  }),
  'max-pending-per-ip': Flags.integer({
    summary: 'most WebSockets without hello yet per client address and gateway process (default 1000)',
    description:
      'Counts the WebSockets of one client address (an IPv6 address by its /64) that have not sent hello yet, per gateway process. More get HTTP 429, and so does long-poll session creation; 0 = no cap. Behind a proxy all clients share its address.',
    env: 'CHAT_MAX_PENDING_PER_IP',
    helpGroup: 'LIMITS',
  }),
  'max-connections-per-user': Flags.integer({
    description: 'most connections of one user on one gateway process (default 32)',
    env: 'CHAT_MAX_CONNECTIONS_PER_USER',
    helpGroup: 'LIMITS',
  }),
  'max-devices-per-user': Flags.integer({
    description: 'most devices of one user online at once, cluster-wide (default 16)',
    env: 'CHAT_MAX_DEVICES_PER_USER',
    helpGroup: 'LIMITS',
  }),
  'max-inflight-requests': Flags.integer({
    description: 'requests of one user running at once on this gateway; 32x as many may wait, more are rate_limited (default 8)',
    env: 'CHAT_MAX_INFLIGHT_REQUESTS',
    helpGroup: 'LIMITS',
  }),
  'poll-timeout-ms': Flags.integer({
    description: 'longest hold of a long-poll GET /v1/poll (default 25000)',
    env: 'CHAT_POLL_TIMEOUT_MS',
    helpGroup: 'LONG-POLL',
  }),
  'cors-origins': Flags.string({
    description: 'browser origins allowed to call the long-poll endpoints and to open WebSockets, comma-separated, or * (default none: long-poll same-origin only, WebSockets any origin)',
    env: 'CHAT_CORS_ORIGINS',
    helpGroup: 'LONG-POLL',
  }),
};

type FlagValues = Record<string, unknown>;

function str(flags: FlagValues, name: string): string | undefined {
  const value = flags[name];
  return typeof value === 'string' ? value : undefined;
}

function int(flags: FlagValues, name: string): number | undefined {
  const value = flags[name];
  return typeof value === 'number' ? value : undefined;
}

/** Flag values (env folded in by oclif) as a config input. */
export function configInputOf(flags: FlagValues): ConfigInput {
  return {
    postgresUrl: str(flags, 'postgres-url'),
    postgresPool: int(flags, 'postgres-pool'),
    redisUrl: str(flags, 'redis-url'),
    natsUrl: str(flags, 'nats-url'),
    namespace: str(flags, 'namespace'),
    partitions: int(flags, 'partitions'),
    streamReplicas: int(flags, 'stream-replicas'),
    jwt: {
      secret: jwtSecretOf(flags),
      publicKey: str(flags, 'jwt-public-key'),
      jwksUrl: str(flags, 'jwks-url'),
      issuer: str(flags, 'jwt-issuer'),
      audience: str(flags, 'jwt-audience'),
      maxTokenTtlSec: durationFlag(flags, 'max-token-ttl'),
    },
    heartbeatMs: int(flags, 'heartbeat-ms'),
    presenceTimeoutMs: int(flags, 'presence-timeout-ms'),
    presenceGraceMs: int(flags, 'presence-grace-ms'),
    presenceFanoutMax: int(flags, 'presence-fanout-max'),
    typingTtlMs: int(flags, 'typing-ttl-ms'),
    typingThrottleMs: int(flags, 'typing-throttle-ms'),
    limits: { maxFrameBytes: int(flags, 'max-frame-bytes'), maxBodyChars: int(flags, 'max-body-chars'), maxGroupMembers: int(flags, 'max-group-members') },
    pushPolicy: str(flags, 'push-policy') as ConfigInput['pushPolicy'],
    pushActiveWindowSec: int(flags, 'push-active-window-sec'),
    sendRatePerSec: int(flags, 'send-rate'),
    sendBurst: int(flags, 'send-burst'),
    roomAddRatePerSec: int(flags, 'room-add-rate'),
    roomAddBurst: int(flags, 'room-add-burst'),
    maxRoomsPerUser: int(flags, 'max-rooms-per-user'),
    helloTimeoutMs: int(flags, 'hello-timeout-ms'),
    maxPendingPerIp: int(flags, 'max-pending-per-ip'),
    maxConnectionsPerUser: int(flags, 'max-connections-per-user'),
    maxDevicesPerUser: int(flags, 'max-devices-per-user'),
    maxInflightRequests: int(flags, 'max-inflight-requests'),
    pollTimeoutMs: int(flags, 'poll-timeout-ms'),
    corsOrigins: str(flags, 'cors-origins')?.split(','),
    nodeId: str(flags, 'node-id'),
    logLevel: str(flags, 'log-level'),
  };
}

/** flags > env > config file > defaults. */
export function clusterConfigOf(role: string, flags: FlagValues, overrides: ConfigInput = {}): ClusterConfig {
  const input = configInputOf(flags);
  const merged: ConfigInput = { ...input, ...definedOnly(overrides), jwt: { ...input.jwt, ...definedOnly(overrides.jwt ?? {}) } };
  return resolveConfig(role, merged, readConfigFile(str(flags, 'config')));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
