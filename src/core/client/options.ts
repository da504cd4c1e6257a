import { DEFAULT_BACKOFF, type BackoffPolicy, type RandomSource } from './backoff.js';
import { MemoryCursorStore, type CursorStore } from './cursor-store.js';
import { DEFAULT_REORDER_CAPACITY } from './room-reorder-buffer.js';
import { TRANSPORT_CHOICES, type TransportChoice } from './transport.js';

/** Where the token for `hello` comes from: fixed, or asked for before every connection. */
export type TokenSource = string | (() => string | Promise<string>);

/** Options of ChatClient; every field but `urls` and `token` has a default. */
export interface ChatClientOptions {
  /**
   * Gateway URLs (`ws://host:port/v1/ws`; `http://host:port` works too, for any transport). The first connection uses the first;
   * every reconnect moves on to the next, round robin.
   */
  urls: string[];
  /**
   * The JWT sent in `hello`. A function is called before every connection, so it can
   * hand out a fresh token; then an `unauthorized` answer is retried with backoff. With a
   * fixed string, `unauthorized` is final: the client reports it and closes.
   */
  token: TokenSource;
  /** Per-room cursors of this device (sent as sync's `since`). Default: a new MemoryCursorStore. */
  cursors?: CursorStore;
  /** Reconnect after a lost connection or a goaway. Default true. With false, the first loss closes the client. */
  autoReconnect?: boolean;
  /**
   * Reconnect delay: exponential with full jitter, uniform in [0, min(maxMs, initialMs * 2^n))
   * after the n-th consecutive failure. Default { initialMs: 250, maxMs: 5000 }.
   */
  backoff?: { initialMs?: number; maxMs?: number };
  /**
   * How long a request waits for its reply, and the limit for the WebSocket handshake and
   * the welcome. A sync's limit restarts with every batch. Sends have none: they wait for
   * their ack across reconnects. Default 10_000 ms.
   */
  requestTimeoutMs?: number;
  /** Local address to bind the socket to (the simulator uses 127.x.y.z sources). Default: the OS picks. */
  localAddress?: string;
  /**
   * 'ws' (a WebSocket), 'longpoll' (HTTP long-polling, same URLs: `ws://h:p/v1/ws` means
   * `http://h:p`), or 'auto' (a WebSocket, falling back to long-poll when the upgrade fails).
   * Default 'ws'.
   */
  transport?: TransportChoice;
  /** Most unacknowledged sends kept (sent or waiting for a connection); more are refused with `queue_full`. Default 1000. */
  sendQueueLimit?: number;
  /**
   * How many "try later" answers one send absorbs before it fails with that error:
   * `rate_limited` (waits retryAfterMs) and `unavailable` (waits retryAfterMs, else 1 s,
   * 2 s, 4 s, ... up to 10 s). Default 5.
   */
  maxSendRetries?: number;
  /**
   * How long a gap in a room's seq may stay open before history is asked for it. The ack
   * of our own message and a peer's message race on different paths, so a gap often closes
   * by itself within milliseconds. Default 50 ms; 0 asks at once.
   */
  gapFillDelayMs?: number;
  /**
   * How long the client waits, after a user first writes to it in a direct room, for the
   * server's unsolicited `presence` frame about that user before it asks with presence.query
   * (the server announces first messages only). Default 1000 ms.
   */
  presenceAskDelayMs?: number;
  /** Most messages held per room above a gap. Default 2000 (twice the sync cap per room). */
  reorderCapacity?: number;
  /** Random source in [0, 1) for the jitter of reconnect delays. Default Math.random (tests inject their own). */
  random?: RandomSource;
}

/** The options with every default applied. */
export interface ResolvedChatClientOptions {
  urls: readonly string[];
  token: TokenSource;
  cursors: CursorStore;
  autoReconnect: boolean;
  backoff: BackoffPolicy;
  requestTimeoutMs: number;
  localAddress: string | undefined;
  transport: TransportChoice;
  sendQueueLimit: number;
  maxSendRetries: number;
  gapFillDelayMs: number;
  presenceAskDelayMs: number;
  reorderCapacity: number;
  random: RandomSource;
}

export const CLIENT_DEFAULTS = {
  autoReconnect: true,
  transport: 'ws' as TransportChoice,
  requestTimeoutMs: 10_000,
  sendQueueLimit: 1000,
  maxSendRetries: 5,
  gapFillDelayMs: 50,
  presenceAskDelayMs: 1000,
  reorderCapacity: DEFAULT_REORDER_CAPACITY,
} as const;

/** Silence, in heartbeats, after which a connection counts as dead (the server pings every heartbeat). */
export const SILENT_HEARTBEATS = 2.5;

/** Wait after `rate_limited` (and the first wait after `unavailable`) when the server did not say how long. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

export function resolveOptions(options: ChatClientOptions): ResolvedChatClientOptions {
  if (options.urls.length === 0) throw new TypeError('ChatClientOptions.urls must name at least one gateway');
  if (typeof options.token === 'string' && options.token.length === 0)
    throw new TypeError('ChatClientOptions.token is empty');
  if (options.transport !== undefined && !TRANSPORT_CHOICES.includes(options.transport)) {
    throw new TypeError(
      `ChatClientOptions.transport must be one of ${TRANSPORT_CHOICES.join(', ')}, got ${String(options.transport)}`,
    );
  }
  return {
    urls: [...options.urls],
    token: options.token,
    cursors: options.cursors ?? new MemoryCursorStore(),
    autoReconnect: options.autoReconnect ?? CLIENT_DEFAULTS.autoReconnect,
    backoff: {
      initialMs: options.backoff?.initialMs ?? DEFAULT_BACKOFF.initialMs,
      maxMs: options.backoff?.maxMs ?? DEFAULT_BACKOFF.maxMs,
    },
    requestTimeoutMs: options.requestTimeoutMs ?? CLIENT_DEFAULTS.requestTimeoutMs,
    localAddress: options.localAddress,
    transport: options.transport ?? CLIENT_DEFAULTS.transport,
    sendQueueLimit: options.sendQueueLimit ?? CLIENT_DEFAULTS.sendQueueLimit,
    maxSendRetries: options.maxSendRetries ?? CLIENT_DEFAULTS.maxSendRetries,
    gapFillDelayMs: options.gapFillDelayMs ?? CLIENT_DEFAULTS.gapFillDelayMs,
    presenceAskDelayMs: options.presenceAskDelayMs ?? CLIENT_DEFAULTS.presenceAskDelayMs,
    reorderCapacity: options.reorderCapacity ?? CLIENT_DEFAULTS.reorderCapacity,
    random: options.random ?? Math.random,
  };
}
