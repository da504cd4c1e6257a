import type { ErrorCode } from '../protocol/index.js';
import type { ErrorReply } from './frames.js';

/**
 * Codes the client raises by itself, beside the protocol's error codes:
 * - `timeout`: no reply within requestTimeoutMs, or a silent connection was dropped;
 * - `disconnected`: the connection dropped while a request was in flight (it may or may not
 *   have been applied; sends are not affected, they are resent);
 * - `closed`: the client was closed, or gave up (bad token, autoReconnect off);
 * - `queue_full`: more than sendQueueLimit sends are waiting for their ack;
 * - `transport`: a network or WebSocket error (reported through the 'error' event);
 * - `invalid_frame`: the server sent a frame that breaks the protocol;
 * - `gap_unfillable`: the server had no messages for a gap in a room's seq; the client
 *   skipped it rather than stall the room;
 * - `listener`: an event listener threw (the client goes on).
 */
export type ClientErrorCode =
  'timeout' | 'disconnected' | 'closed' | 'queue_full' | 'transport' | 'invalid_frame' | 'gap_unfillable' | 'listener';

export type ChatErrorCode = ErrorCode | ClientErrorCode;

/** The one error type the client rejects with and reports through its 'error' event. */
export class ChatError extends Error {
  constructor(
    readonly code: ChatErrorCode,
    message: string,
    /** Set for `rate_limited`: when the server accepts requests again. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ChatError';
  }

  static fromFrame(frame: ErrorReply): ChatError {
    return new ChatError(frame.code, frame.message, frame.retryAfterMs);
  }
}
