/**
 * The chat-node client library: one device's connection to the cluster, with reconnect,
 * backoff, sync, de-duplication and an outbox. Used by the terminal client, the load
 * simulator and the end-to-end tests alike.
 */
// The public client entry (src/client.ts), and below it what only this repository uses.
export * from '../../client.js';
export { DeviceSession } from './device-session.js';
export { backoffDelay, goawayDelay } from './backoff.js';
export { RoomReorderBuffer, DEFAULT_REORDER_CAPACITY, type Gap, type Sequenced } from './room-reorder-buffer.js';
export { MessageTimeline, type GapFill, type FillOutcome } from './message-timeline.js';
export { TypingTracker, SYSTEM_TIMERS, type Timers } from './typing-tracker.js';
export { PresenceBook, PRESENCE_BOOK_LIMIT } from './presence-book.js';
export type { InboundFrame, OutboundFrame, ReplyTo, RequestFrame, RequestType } from './frames.js';
