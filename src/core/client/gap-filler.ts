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

/**
 * Asks the server for what the timeline is missing: the history requests MessageTimeline
 * decides on, sent after a short grace (a new gap often closes by itself: our ack and a
 * peer's msg race on different paths), the next page of a long gap at once.
 * One timer per client, armed only while a gap waits.
 */
export class GapFiller {
  private timer: NodeJS.Timeout | undefined;

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
    this.timer = undefined;
  }

  private handlerFor(fill: GapFill): RequestHandler {
    return {
      onReply: (reply) => {
        if (reply.type !== 'history') {
          this.timeline.failFill(fill);
          this.output.reportError(new ChatError('invalid_frame', `${reply.type} in reply to history`));
          return true;
        }
        const outcome = this.timeline.acceptFill(fill, reply.messages);
        this.output.deliver(outcome.delivered);
        if (outcome.skipped) {
          const { room, from, to } = outcome.skipped;
          this.output.reportError(new ChatError('gap_unfillable', `room ${room} has no messages ${from}..${to}; skipped them`));
        }
        this.fillNow();
        return true;
      },
      onFail: (error) => {
        this.timeline.failFill(fill);
        if (error.code !== 'disconnected' && error.code !== 'closed') this.output.reportError(error);
      },
    };
  }
}
