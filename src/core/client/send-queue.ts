/**
 * The outbox: every send not yet acknowledged, in the order the application made them.
 * Pure: it decides what goes on the wire when; the client does the writing and settles
 * the promises.
 *
 * - A send is written at once when the connection is up, without waiting for the ack of
 *   the one before: the server numbers one connection's sends in the order they arrive.
 * - When the connection drops, everything written but not acknowledged goes back to
 *   'queued' and is written again after the next welcome, in the original order, with the
 *   same clientMsgId, so the server returns the first ack instead of creating a copy.
 * - Acks are matched by clientMsgId: the ack of a resend arrives on a new connection, with
 *   a request id the old connection never used.
 * - A send answered "try later" (`rate_limited`, or `unavailable`: not queued, or the first
 *   send of this clientMsgId still in flight) goes back in its place and holds the whole
 *   queue until the wait is over, so later sends do not overtake it beyond those already
 *   in flight.
 */

export interface Settle<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

export interface PendingSend<T> {
  readonly room: string;
  readonly clientMsgId: string;
  readonly body: string;
  readonly settle: Settle<T>;
  /** The promise handed to every caller of this clientMsgId. */
  readonly promise: Promise<T>;
  state: 'queued' | 'sent';
  /** The request id of the latest write, while 'sent'. */
  requestId: string | undefined;
  /** How many times the server said "try later" for this send. */
  retries: number;
}

export type RetryDecision = 'retry' | 'give-up';

export class SendQueue<T> {
  private readonly pending = new Map<string, PendingSend<T>>();
  private readonly byRequest = new Map<string, PendingSend<T>>();
  /** Time (ms, the caller's clock) before which nothing is written. */
  private holdUntil = 0;

  constructor(
    /** Most unacknowledged sends kept. */
    readonly limit: number,
    /** Most "try later" answers one send takes before it fails. */
    readonly maxRetries: number,
  ) {}

  get size(): number {
    return this.pending.size;
  }

  /** When writing may resume after a "try later", or 0. */
  get heldUntil(): number {
    return this.holdUntil;
  }

  get(clientMsgId: string): PendingSend<T> | undefined {
    return this.pending.get(clientMsgId);
  }

  byRequestId(requestId: string): PendingSend<T> | undefined {
    return this.byRequest.get(requestId);
  }

  /** Adds a send at the end; 'full' when `limit` sends are already waiting. */
  enqueue(room: string, clientMsgId: string, body: string): PendingSend<T> | 'full' {
    if (this.pending.size >= this.limit) return 'full';
    let settle!: Settle<T>;
    const promise = new Promise<T>((resolve, reject) => {
      settle = { resolve, reject };
    });
    const entry: PendingSend<T> = {
      room,
      clientMsgId,
      body,
      settle,
      promise,
      state: 'queued',
      requestId: undefined,
      retries: 0,
    };
    this.pending.set(clientMsgId, entry);
    return entry;
  }

  /**
   * The sends to write now, in order, each given a fresh request id and marked 'sent'.
   * Nothing while a "try later" holds the queue.
   */
  takeWritable(now: number, nextRequestId: () => string): PendingSend<T>[] {
    if (now < this.holdUntil) return [];
    this.holdUntil = 0;
    const writable: PendingSend<T>[] = [];
    for (const entry of this.pending.values()) {
      if (entry.state !== 'queued') continue;
      entry.state = 'sent';
      entry.requestId = nextRequestId();
      this.byRequest.set(entry.requestId, entry);
      writable.push(entry);
    }
    return writable;
  }

  /** The ack for clientMsgId arrived: removes and returns its send, if still pending. */
  acknowledge(clientMsgId: string): PendingSend<T> | undefined {
    return this.remove(clientMsgId);
  }

  /** The server refused the send for good: removes and returns it. */
  remove(clientMsgId: string): PendingSend<T> | undefined {
    const entry = this.pending.get(clientMsgId);
    if (!entry) return undefined;
    this.pending.delete(clientMsgId);
    this.forgetRequest(entry);
    return entry;
  }

  /**
   * The server said "try later": the send goes back to 'queued' in its place and the queue
   * holds until now + afterMs; or, past maxRetries, it is removed.
   */
  retryLater(clientMsgId: string, afterMs: number, now: number): RetryDecision {
    const entry = this.pending.get(clientMsgId);
    if (!entry) return 'give-up';
    entry.retries++;
    if (entry.retries > this.maxRetries) {
      this.remove(clientMsgId);
      return 'give-up';
    }
    this.forgetRequest(entry);
    entry.state = 'queued';
    this.holdUntil = Math.max(this.holdUntil, now + afterMs);
    return 'retry';
  }

  /**
   * The server dropped frames unread (a `rate_limited` without id): any written send may be
   * among them, so all go back to 'queued' (the clientMsgId makes the repeat safe), held until
   * now + afterMs. No retry is counted: the server never judged them.
   */
  framesDropped(afterMs: number, now: number): void {
    this.connectionLost();
    this.holdUntil = Math.max(this.holdUntil, now + afterMs);
  }

  /** The connection dropped: what was written goes back to 'queued', to be written again. */
  connectionLost(): void {
    for (const entry of this.pending.values()) {
      entry.state = 'queued';
      entry.requestId = undefined;
    }
    this.byRequest.clear();
  }

  /** Empties the queue (the client closes) and returns what was in it. */
  drain(): PendingSend<T>[] {
    const all = [...this.pending.values()];
    this.pending.clear();
    this.byRequest.clear();
    this.holdUntil = 0;
    return all;
  }

  private forgetRequest(entry: PendingSend<T>): void {
    if (entry.requestId !== undefined) this.byRequest.delete(entry.requestId);
    entry.requestId = undefined;
  }
}
