/**
 * chat-node's client library, the package's main entry (`import { ChatClient } from 'chat-node'`):
 * one device's connection to a cluster, with reconnect and backoff, resend of unacked messages
 * under the same clientMsgId, sync on reconnect, de-duplication and room order. It loads nothing
 * of the server (no Postgres, Redis, NATS, push or CLI code): a test holds it to that.
 */
export { ChatClient } from './core/client/chat-client.js';
export { CLIENT_DEFAULTS, type ChatClientOptions, type TokenSource } from './core/client/options.js';
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
} from './core/client/events.js';
export { ChatError, type ChatErrorCode, type ClientErrorCode } from './core/client/chat-error.js';
export { TRANSPORT_CHOICES, type TransportChoice } from './core/client/transport.js';
export { DEFAULT_BACKOFF, type BackoffPolicy } from './core/client/backoff.js';
export { MemoryCursorStore, type CursorStore } from './core/client/cursor-store.js';
export { FileCursorStore, cursorFilePath } from './tui/file-cursor-store.js';
export type { Message, Room } from './core/protocol/index.js';
