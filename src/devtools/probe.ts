import { connect, RequestError } from '@nats-io/transport-node';
import { Redis } from 'ioredis';
import pg from 'pg';

/** Whether a service answers at a URL; `reason` is human text for messages. */
export type ProbeResult = { ok: true } | { ok: false; reason: string };

export { redactUrl } from '../core/config/redact-url.js';

/** An error as one line of text (a dual-stack connect's AggregateError: its first cause). */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return describeError(error.errors[0]);
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Runs a probe under a hard deadline, because a port that accepts TCP and then says nothing would hang some clients. */
async function withDeadline(timeoutMs: number, probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ProbeResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    return await Promise.race([
      probe().catch((error: unknown) => ({ ok: false, reason: describeError(error) }) as const),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Postgres answers when we can connect and run SELECT 1. */
export function probePostgres(url: string, timeoutMs: number): Promise<ProbeResult> {
  return withDeadline(timeoutMs, async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
    client.on('error', () => {
      // Reported through the failed connect or query instead.
    });
    try {
      await client.connect();
      await client.query('SELECT 1');
      return { ok: true };
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

/** Redis answers when PING returns PONG. */
export function probeRedis(url: string, timeoutMs: number): Promise<ProbeResult> {
  return withDeadline(timeoutMs, async () => {
    const redis = new Redis(url, {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
    });
    // ioredis rejects connect() with a bare "Connection is closed."; the cause comes as an 'error' event.
    let cause: unknown;
    redis.on('error', (error: unknown) => {
      cause ??= error;
    });
    try {
      await redis.connect().catch((error: unknown) => {
        throw cause ?? error;
      });
      const pong: string = await redis.ping();
      return pong === 'PONG' ? { ok: true } : { ok: false, reason: `PING answered ${pong}` };
    } finally {
      redis.disconnect();
    }
  });
}

interface JetStreamInfoReply {
  error?: { code?: number; description?: string };
}

const JETSTREAM_OFF = 'JetStream is not enabled on this server (run nats-server with -js)';

/**
 * NATS answers when we can connect and JetStream replies to $JS.API.INFO: chat-node needs JetStream.
 * `url` may list several servers comma-separated (a cluster), as CHAT_NATS_URL does.
 */
export function probeNats(url: string, timeoutMs: number): Promise<ProbeResult> {
  return withDeadline(timeoutMs, async () => {
    const servers = url.split(',').map((server) => server.trim());
    const nc = await connect({ servers, timeout: timeoutMs, reconnect: false, name: 'chat-node probe' });
    try {
      const reply = await nc.request('$JS.API.INFO', '', { timeout: timeoutMs });
      const info = reply.json<JetStreamInfoReply>();
      if (info.error !== undefined) {
        return {
          ok: false,
          reason: info.error.code === 503 ? JETSTREAM_OFF : `JetStream: ${info.error.description ?? 'error'}`,
        };
      }
      return { ok: true };
    } catch (error) {
      // Without -js nobody subscribes to $JS.API.>, so the server answers "no responders".
      if (error instanceof RequestError && error.isNoResponders()) return { ok: false, reason: JETSTREAM_OFF };
      throw error;
    } finally {
      await nc.close().catch(() => undefined);
    }
  });
}
