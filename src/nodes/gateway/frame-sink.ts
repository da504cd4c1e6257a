/**
 * What a transport gives a device session: somewhere to put serialized frames, a measure of
 * what the client has not taken yet, and a way to end. A WebSocket is one sink; a long-poll
 * session's cursor-numbered outbox is another. Everything above it (handlers, delivery,
 * presence, heartbeats, rate limits) is shared by both.
 */
export interface FrameSink {
  /** True while frames can still be queued for the client. */
  readonly isOpen: boolean;
  /** Bytes queued that the client has not taken yet (socket buffer, or unacknowledged outbox). */
  readonly bufferedAmount: number;
  /** When the client was last heard from, in ms since the epoch (a held poll counts as "now"). */
  readonly lastHeardAt: number;
  /** Queues one serialized frame; the caller checked isOpen and the buffer bound. */
  send(frame: string): void;
  /** Keeps the link warm and makes the client prove it is alive (WebSocket ping); may do nothing. */
  ping(): void;
  /** Ends the session with a close code (the CLOSE_CODES of the protocol) and a reason. */
  close(code: number, reason: string): void;
  /** Ends it at once, without telling the client. */
  terminate(): void;
}
