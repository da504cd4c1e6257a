import type { ConfigInput } from '../../core/config/cluster-config.js';

/**
 * A config input as the CHAT_* environment every role command reads, so a supervisor can hand
 * its children exactly the settings it was given (flags of the parent become env of the child).
 */
export function configEnvOf(input: ConfigInput): Record<string, string> {
  const env: Record<string, string> = {};
  const put = (name: string, value: string | number | undefined) => {
    if (value !== undefined) env[name] = String(value);
  };
  put('CHAT_POSTGRES_URL', input.postgresUrl);
  put('CHAT_REDIS_URL', input.redisUrl);
  put('CHAT_NATS_URL', input.natsUrl);
  put('CHAT_POSTGRES_POOL', input.postgresPool);
  put('CHAT_NAMESPACE', input.namespace);
  put('CHAT_PARTITIONS', input.partitions);
  put('CHAT_STREAM_REPLICAS', input.streamReplicas);
  put('CHAT_JWT_SECRET', input.jwt?.secret);
  put('CHAT_JWT_PUBLIC_KEY', input.jwt?.publicKey);
  put('CHAT_JWKS_URL', input.jwt?.jwksUrl);
  put('CHAT_JWT_ISSUER', input.jwt?.issuer);
  put('CHAT_JWT_AUDIENCE', input.jwt?.audience);
  put('CHAT_MAX_TOKEN_TTL', input.jwt?.maxTokenTtlSec);
  put('CHAT_HEARTBEAT_MS', input.heartbeatMs);
  put('CHAT_PRESENCE_TIMEOUT_MS', input.presenceTimeoutMs);
  put('CHAT_PRESENCE_GRACE_MS', input.presenceGraceMs);
  put('CHAT_PRESENCE_FANOUT_MAX', input.presenceFanoutMax);
  put('CHAT_TYPING_TTL_MS', input.typingTtlMs);
  put('CHAT_TYPING_THROTTLE_MS', input.typingThrottleMs);
  put('CHAT_MAX_FRAME_BYTES', input.limits?.maxFrameBytes);
  put('CHAT_MAX_BODY_CHARS', input.limits?.maxBodyChars);
  put('CHAT_MAX_GROUP_MEMBERS', input.limits?.maxGroupMembers);
  put('CHAT_PUSH_POLICY', input.pushPolicy);
  put('CHAT_PUSH_ACTIVE_WINDOW_SEC', input.pushActiveWindowSec);
  put('CHAT_SEND_RATE', input.sendRatePerSec);
  put('CHAT_SEND_BURST', input.sendBurst);
  put('CHAT_ROOM_ADD_RATE', input.roomAddRatePerSec);
  put('CHAT_ROOM_ADD_BURST', input.roomAddBurst);
  put('CHAT_MAX_ROOMS_PER_USER', input.maxRoomsPerUser);
  put('CHAT_HELLO_TIMEOUT_MS', input.helloTimeoutMs);
  put('CHAT_POLL_TIMEOUT_MS', input.pollTimeoutMs);
  put('CHAT_CORS_ORIGINS', input.corsOrigins?.join(','));
  put('CHAT_MAX_PENDING_PER_IP', input.maxPendingPerIp);
  put('CHAT_MAX_CONNECTIONS_PER_USER', input.maxConnectionsPerUser);
  put('CHAT_MAX_DEVICES_PER_USER', input.maxDevicesPerUser);
  put('CHAT_MAX_INFLIGHT_REQUESTS', input.maxInflightRequests);
  put('CHAT_LOG_LEVEL', input.logLevel);
  return env;
}
