import { LONG_POLL_MAX_ANSWER_BYTES } from '../../../core/protocol/long-poll.js';
import type { FrameSink } from '../frame-sink.js';
import { PollOutbox, type PollBatch } from './poll-outbox.js';

/** Most bytes of frames one poll answer carries; the rest waits for the next poll. */
export const MAX_POLL_ANSWER_BYTES = LONG_POLL_MAX_ANSWER_BYTES;

/**
 * Most bytes of unacknowledged frames a closed session keeps for a late poll. A client that
 * keeps up has a few small frames waiting (the `goaway` or `error` that explains the close);
 * one far behind (up to the 8 MiB outbound buffer) must sync after reconnecting anyway, so its
 * backlog is dropped at the close rather than held for the presence timeout after the session
 * gave its admission slot back.
 */
export const CLOSED_SESSION_KEPT_BYTES = 16 * 1024;

export interface PollAnswer extends PollBatch {
  /** Set once the session is closed and `frames` holds its last frames. */
  closed?: { code: number; reason: string };
}

interface HeldPoll {
  answer: (batch: PollAnswer) => void;
  timer: NodeJS.Timeout;
  maxBytes: number;
}

/**
 * The long-poll transport of one device session: a FrameSink whose frames wait in a
 * cursor-numbered outbox until a poll takes them. At most one poll is held at a time (a newer
 * one answers the older one empty, as happens when a client retries after a network error).
 * While a poll is held the client counts as heard; when it stops polling, the gateway's
 * heartbeat closes the session after the presence timeout, as it closes a silent WebSocket.
 */
export class LongPollSink implements FrameSink {
  private readonly outbox = new PollOutbox();
  private held: HeldPoll | undefined;
  private heardAt = Date.now();
  private wakeScheduled = false;
  private closedWith: { code: number; reason: string } | undefined;

  /** @param onClose told once, when the session closes (by the server or the client). */
  constructor(private readonly onClose: (code: number, reason: string) => void) {}

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  get closeInfo(): { code: number; reason: string } | undefined {
    return this.closedWith;
  }

  get bufferedAmount(): number {
    return this.outbox.bytes;
  }

  get lastHeardAt(): number {
    return this.held ? Date.now() : this.heardAt;
  }

  get pollHeld(): boolean {
    return this.held !== undefined;
  }

  /** A request of the client arrived (poll or frames). */
  heard(): void {
    this.heardAt = Date.now();
  }

  send(frame: string): void {
    this.outbox.push(frame);
    this.wakeSoon();
  }

  /** Nothing to do: a held poll is answered within its wait, which keeps proxies and NATs warm. */
  ping(): void {}

  close(code: number, reason: string): void {
    if (this.closedWith) return;
    this.closedWith = { code, reason };
    // All or none: dropping only the older frames would leave a gap the client could not see.
    if (this.outbox.bytes > CLOSED_SESSION_KEPT_BYTES) this.outbox.dropPending();
    this.wakeSoon();
    this.onClose(code, reason);
  }

  terminate(): void {
    this.close(1006, 'terminated');
  }

  /**
   * Acknowledges `cursor` (throws CursorError when it is out of range), then answers with the
   * frames after it: at once when there are some (or the session is closed), else when the
   * first one is written, else empty after `waitMs`. `cancelled` ends a held poll whose HTTP
   * request went away.
   */
  poll(cursor: number, waitMs: number, cancelled: AbortSignal, maxBytes = MAX_POLL_ANSWER_BYTES): Promise<PollAnswer> {
    this.heard();
    this.outbox.acknowledge(cursor);
    if (this.outbox.pending > 0 || this.closedWith || waitMs <= 0) return Promise.resolve(this.take(maxBytes));
    this.answerHeld();
    return new Promise<PollAnswer>((resolve) => {
      const held: HeldPoll = {
        answer: resolve,
        timer: setTimeout(() => this.answerHeld(), waitMs),
        maxBytes,
      };
      this.held = held;
      cancelled.addEventListener(
        'abort',
        () => {
          if (this.held !== held) return;
          clearTimeout(held.timer);
          this.held = undefined;
          this.heard();
        },
        { once: true },
      );
    });
  }

  /** What a poll would get now, without waiting (the answer to session creation). */
  take(maxBytes = MAX_POLL_ANSWER_BYTES): PollAnswer {
    const batch = this.outbox.read(maxBytes);
    return this.closedWith && !batch.more ? { ...batch, closed: this.closedWith } : batch;
  }

  private answerHeld(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    clearTimeout(held.timer);
    this.heard();
    held.answer(this.take(held.maxBytes));
  }

  /** Frames written in one turn of the event loop (one delivery envelope) go out in one answer. */
  private wakeSoon(): void {
    if (this.wakeScheduled || !this.held) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      this.answerHeld();
    });
  }
}
