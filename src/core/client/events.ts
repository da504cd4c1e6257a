import type { Message, ProtocolLimits, Room } from '../protocol/index.js';
import type { ChatError } from './chat-error.js';
import type { InboundOf } from './frames.js';

/**
 * - idle: made, connect() not called yet;
 * - connecting: the first connection is being opened (handshake, hello, welcome);
 * - syncing: welcomed; unacked sends went out again, the sync is running;
 * - live: sync.done arrived; everything new arrives live;
 * - reconnecting: the connection was lost; waiting to retry, or retrying;
 * - closed: close() was called, or the client gave up (bad token, autoReconnect off).
 */
export type ClientState = 'idle' | 'connecting' | 'syncing' | 'live' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ClientState;
  /** With 'reconnecting': the delay before the next attempt. */
  reconnectInMs?: number;
}

/** What the welcome said about this connection. */
export interface WelcomeInfo {
  user: string;
  device: string;
  heartbeatMs: number;
  limits: ProtocolLimits;
}

/** The server committed a send. */
export interface Ack {
  room: string;
  clientMsgId: string;
  msgId: string;
  seq: number;
  ts: number;
}

/**
 * The server answered a send "try later" (`rate_limited`, or `unavailable`): it was not queued,
 * and the outbox writes it again after `retryAfterMs`. Sends written before this answer came
 * may be numbered before it.
 */
export interface SendRetry {
  room: string;
  clientMsgId: string;
  code: 'rate_limited' | 'unavailable';
  retryAfterMs: number;
}

export interface ReadEvent {
  room: string;
  user: string;
  seq: number;
}

/**
 * Someone started or stopped typing in a room. Emitted on changes only: a renewed start is
 * silent, and every start is followed by one stop (explicit, a message from the typist,
 * the start running out, the room left, or the connection lost).
 */
export interface TypingEvent {
  room: string;
  user: string;
  state: 'start' | 'stop';
  /** A 'start' ends by itself after this long unless renewed; 0 on stops the client made up. */
  ttlMs: number;
  /** On a stop: the start ran out without a renewal or a stop from the server. */
  expired?: true;
}

export type PresenceStatus = InboundOf<'presence'>['users'][number];

export interface PresenceEvent {
  users: PresenceStatus[];
}

export interface HistoryPage {
  /** Ascending by seq. */
  messages: Message[];
  hasMore: boolean;
}

/** ChatClient's events and their arguments. */
export interface ChatClientEvents {
  /** A message entered its room's timeline: once per (room, seq), increasing seq per room, no gaps. */
  message: [message: Message];
  /** A room was created, changed, joined or left (a `room` frame); carries the client's current view. */
  room: [room: Room];
  /** Someone's read position moved (the user's own devices included). */
  read: [event: ReadEvent];
  /** Someone else started or stopped typing (changes only; see TypingEvent). */
  typing: [event: TypingEvent];
  /** Unsolicited presence changes of users who share a room with this one. */
  presence: [event: PresenceEvent];
  /** One of this client's sends was committed. */
  ack: [ack: Ack];
  /** One of this client's sends was answered "try later"; it stays in the outbox. */
  retry: [retry: SendRetry];
  state: [change: StateChange];
  /** A sync finished (the rooms of sync.done, `truncated` flags included). */
  synced: [rooms: Room[]];
  /** Unsolicited error frames, transport errors and protocol breaches. Never thrown. */
  error: [error: ChatError];
}
