/**
 * The chat-node client library: one device's connection to the cluster, with reconnect,
 * backoff, sync, de-duplication and an outbox. Used by the terminal client, the load
 * simulator and the end-to-end tests alike.
 */
export { ChatClient } from './chat-client.js';
export { DeviceSession } from './device-session.js';
export type {
  Ack,
  ChatClientEvents,
  ClientState,
  HistoryPage,
  PresenceEvent,
  PresenceStatus,
  ReadEvent,
  SendRetry,
  StateChange,
  TypingEvent,
  WelcomeInfo,
} from './events.js';
export { CLIENT_DEFAULTS, type ChatClientOptions, type TokenSource } from './options.js';
export { TRANSPORT_CHOICES, type TransportChoice } from './transport.js';
export { ChatError, type ChatErrorCode, type ClientErrorCode } from './chat-error.js';
export { MemoryCursorStore, type CursorStore } from './cursor-store.js';
export { DEFAULT_BACKOFF, backoffDelay, goawayDelay, type BackoffPolicy } from './backoff.js';
export { RoomReorderBuffer, DEFAULT_REORDER_CAPACITY, type Gap, type Sequenced } from './room-reorder-buffer.js';
export { MessageTimeline, type GapFill, type FillOutcome } from './message-timeline.js';
export { TypingTracker, SYSTEM_TIMERS, type Timers } from './typing-tracker.js';
export { PresenceBook, PRESENCE_BOOK_LIMIT } from './presence-book.js';
export type { InboundFrame, OutboundFrame, ReplyTo, RequestFrame, RequestType } from './frames.js';
export type { Message, Room } from '../protocol/index.js';
