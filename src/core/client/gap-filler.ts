import type { Message } from '../protocol/index.js';
import { ChatError } from './chat-error.js';
import type { MessageTimeline, GapFill } from './message-timeline.js';
import type { RequestHandler, RequestTracker } from './request-tracker.js';
import type { Wire } from './wire.js';

export interface GapFillerOutput {
  /** Messages a page made deliverable, in order. */
  deliver(messages: readonly Message[]): void;
  reportError(error: ChatError): void;
}

/** First wait before a failed history request is tried again; it doubles per failure in a row. */
const FILL_RETRY_INITIAL_MS = 500;
const FILL_RETRY_MAX_MS = 10_000;

/**
 * Asks the server for what the timeline is missing: the history requests MessageTimeline
 * decides on, sent after a short grace (a new gap often closes by itself: our ack and a
 * peer's msg race on different paths), the next page of a long gap at once.
 * One timer per client, armed only while a gap waits.
 *
 * A history request that fails (timed out on a loaded server, `unavailable`) is tried again
 * after a backoff: the messages held above the gap, our own acknowledged ones included, are
 * shown only once it is filled, and if no other message came to the room they would wait for
 * the next reconnect (a rate sweep on a saturated box left acked messages never shown).
 */
export class GapFiller {
  private timer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failuresInARow = 0;

  constructor(
    private readonly timeline: MessageTimeline,
    private readonly requests: RequestTracker,
    private readonly graceMs: number,
    private readonly wire: Wire,
    private readonly output: GapFillerOutput,
  ) {}

  /** Call after anything that may have opened a gap. */
  schedule(): void {
    if (this.timer || !this.wire.writable() || !this.timeline.hasFillsToTake) return;
    if (this.graceMs <= 0) {
      this.fillNow();
      return;
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.fillNow();
    }, this.graceMs);
  }

  /** Sends every fill the timeline wants now. */
  fillNow(): void {
    const conn = this.wire.writable();
    if (!conn) return;
    for (const fill of this.timeline.takeFills()) {
      const id = this.wire.nextRequestId();
      const frame = { type: 'history', id, room: fill.room, before: fill.before, limit: fill.limit } as const;
      this.requests.track(id, frame, this.handlerFor(fill), true);
      conn.send(frame);
    }
  }

  /** The connection is gone or the client closed: no fill until schedule() again. */
  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.timer = undefined;
    this.retryTimer = undefined;
    this.failuresInARow = 0;
  }

  private retryLater(): void {
    if (this.retryTimer) return;
    const wait = Math.min(FILL_RETRY_MAX_MS, FILL_RETRY_INITIAL_MS * 2 ** this.failuresInARow);
    this.failuresInARow++;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.timeline.retryFailedFills();
      this.schedule();
    }, wait);
    this.retryTimer.unref?.();
  }

  private handlerFor(fill: GapFill): RequestHandler {
    return {
      onReply: (reply) => {
        if (reply.type !== 'history') {
          this.timeline.failFill(fill);
          this.output.reportError(new ChatError('invalid_frame', `${reply.type} in reply to history`));
          return true;
        }
        this.failuresInARow = 0;
        const outcome = this.timeline.acceptFill(fill, reply.messages);
        this.output.deliver(outcome.delivered);
        if (outcome.skipped) {
          const { room, from, to } = outcome.skipped;
          this.output.reportError(
            new ChatError('gap_unfillable', `room ${room} has no messages ${from}..${to}; skipped them`),
          );
        }
        this.fillNow();
        return true;
      },
      onFail: (error) => {
        this.timeline.failFill(fill);
        // A lost connection syncs when it is back; a closed client is done.
        if (error.code === 'disconnected' || error.code === 'closed') return;
        this.output.reportError(error);
        this.retryLater();
      },
    };
  }
}
