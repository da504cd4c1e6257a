import { ChatError } from './chat-error.js';
import type { InboundFrame, OutboundFrame } from './frames.js';

/**
 * Requests waiting for their reply, by request id, each with a deadline.
 *
 * One timer per tracker, armed for the oldest deadline, instead of one per request: the
 * load simulator runs thousands of clients per process. Every request gets the same
 * timeout, so deadlines come in insertion order; `touch` re-inserts, which keeps that true.
 *
 * A request made while there is no connection waits here, unsent, until the next welcome
 * (its deadline runs meanwhile). When a connection drops, the requests written on it fail
 * with `disconnected`: whether the server applied them is unknown, and only the caller
 * knows if doing it again is safe.
 */

export interface RequestHandler {
  /** A reply carrying the request's id (never `error`); returns true when it is the last. */
  onReply(frame: InboundFrame): boolean;
  /** An `error` reply, a timeout, a lost connection or close(). Called at most once. */
  onFail(error: ChatError): void;
}

interface Tracked {
  frame: OutboundFrame;
  handler: RequestHandler;
  deadline: number;
  sent: boolean;
}

export type Clock = () => number;

export class RequestTracker {
  private readonly tracked = new Map<string, Tracked>();
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(
    private readonly timeoutMs: number,
    private readonly now: Clock = Date.now,
  ) {}

  get size(): number {
    return this.tracked.size;
  }

  has(id: string): boolean {
    return this.tracked.has(id);
  }

  /** Starts tracking `frame` (whose id is `id`); `sent` says whether it is already written. */
  track(id: string, frame: OutboundFrame, handler: RequestHandler, sent: boolean): void {
    this.tracked.set(id, { frame, handler, deadline: this.now() + this.timeoutMs, sent });
    this.arm();
  }

  /** Hands a reply to its request; false when no request has this id. */
  route(id: string, frame: InboundFrame): boolean {
    const entry = this.tracked.get(id);
    if (!entry) return false;
    if (frame.type === 'error') {
      this.forget(id);
      entry.handler.onFail(ChatError.fromFrame(frame));
    } else if (entry.handler.onReply(frame)) {
      this.forget(id);
    }
    return true;
  }

  /** Restarts a request's deadline (a streamed reply made progress). */
  touch(id: string): void {
    const entry = this.tracked.get(id);
    if (!entry) return;
    this.tracked.delete(id);
    entry.deadline = this.now() + this.timeoutMs;
    this.tracked.set(id, entry);
  }

  /** Stops tracking without calling the handler. */
  cancel(id: string): void {
    this.forget(id);
  }

  /** The frames of requests made while offline, in order, now marked sent. */
  takeUnsent(): OutboundFrame[] {
    const frames: OutboundFrame[] = [];
    for (const entry of this.tracked.values()) {
      if (entry.sent) continue;
      entry.sent = true;
      frames.push(entry.frame);
    }
    return frames;
  }

  /** The connection dropped: requests written on it fail; unsent ones keep waiting. */
  connectionLost(errorOf: () => ChatError): void {
    // Made only when a request waits: a device that keeps failing to connect would otherwise
    // build an Error (and its stack) per attempt for nobody.
    let error: ChatError | undefined;
    for (const [id, entry] of this.tracked) {
      if (!entry.sent) continue;
      this.forget(id);
      entry.handler.onFail((error ??= errorOf()));
    }
  }

  /** Fails every request (the client closes). */
  failAll(error: ChatError): void {
    const entries = [...this.tracked.values()];
    this.tracked.clear();
    this.disarm();
    for (const entry of entries) entry.handler.onFail(error);
  }

  private forget(id: string): void {
    this.tracked.delete(id);
    // No timer left behind when idle: it would keep the process alive for nothing.
    if (this.tracked.size === 0) this.disarm();
  }

  private arm(): void {
    const head = this.tracked.values().next();
    if (head.done) {
      this.disarm();
      return;
    }
    const at = head.value.deadline;
    // An armed timer that fires no later than the head is fine: expire() re-arms.
    if (this.timer && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - this.now()));
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.now();
    const expired: Tracked[] = [];
    for (const [id, entry] of this.tracked) {
      if (entry.deadline > now) break;
      this.tracked.delete(id);
      expired.push(entry);
    }
    this.arm();
    for (const entry of expired) {
      entry.handler.onFail(new ChatError('timeout', `no reply to ${entry.frame.type} within ${this.timeoutMs} ms`));
    }
  }
}
