import { isId, type ProtocolLimits } from '../protocol/index.js';
import { ChatError } from './chat-error.js';
import type { Ack, SendRetry } from './events.js';
import type { ErrorReply } from './frames.js';
import { DEFAULT_RETRY_AFTER_MS } from './options.js';
import { SendQueue, type PendingSend } from './send-queue.js';
import type { Wire } from './wire.js';

/** Bytes a send frame needs beyond its JSON-escaped body: keys, quotes, ids. */
const SEND_FRAME_OVERHEAD = 128;

/** Longest wait between tries of a send answered `unavailable` without retryAfterMs. */
const UNAVAILABLE_MAX_WAIT_MS = 10_000;

/**
 * The client's side of the send path: checks a send, keeps it in the SendQueue until its
 * ack, writes it whenever a welcomed connection is there, and applies the queue's
 * rate-limit hold with one timer. Settling on ack is left to ChatClient, which also puts
 * the acknowledged message into the timeline.
 */
export class Outbox {
  private readonly queue: SendQueue<Ack>;
  private holdTimer: NodeJS.Timeout | undefined;

  constructor(
    limits: { sendQueueLimit: number; maxSendRetries: number },
    private readonly wire: Wire,
    private readonly onRetry: (retry: SendRetry) => void = () => {},
  ) {
    this.queue = new SendQueue<Ack>(limits.sendQueueLimit, limits.maxSendRetries);
  }

  /** Sends waiting for their ack. */
  get size(): number {
    return this.queue.size;
  }

  /**
   * Queues a send (or returns the promise of the pending one with this clientMsgId) and
   * writes it if a connection is ready.
   */
  submit(room: string, body: string, clientMsgId: string, limits: ProtocolLimits): Promise<Ack> {
    const pending = this.queue.get(clientMsgId);
    if (pending) return pending.promise;
    if (!isId(room)) return Promise.reject(new ChatError('bad_frame', `room ${JSON.stringify(room)} is not an id`));
    if (!isId(clientMsgId)) {
      return Promise.reject(new ChatError('bad_frame', `clientMsgId ${JSON.stringify(clientMsgId)} is not an id`));
    }
    const tooLarge = checkBody(body, limits);
    if (tooLarge) return Promise.reject(tooLarge);
    const entry = this.queue.enqueue(room, clientMsgId, body);
    if (entry === 'full') {
      return Promise.reject(new ChatError('queue_full', `${this.queue.limit} sends are already waiting for their ack`));
    }
    this.flush();
    return entry.promise;
  }

  /** Writes every send that may go now, in outbox order (after a welcome, after a hold). */
  flush(): void {
    const conn = this.wire.writable();
    if (!conn) return;
    const now = Date.now();
    if (now < this.queue.heldUntil) {
      // Timers run on a monotonic clock and may fire a fraction of a ms before Date.now()
      // reaches the deadline: wait again rather than leave the queue held for good.
      if (!this.holdTimer) this.armHold();
      return;
    }
    for (const entry of this.queue.takeWritable(now, () => this.wire.nextRequestId())) {
      conn.send({
        type: 'send',
        id: entry.requestId,
        room: entry.room,
        clientMsgId: entry.clientMsgId,
        body: entry.body,
      });
    }
  }

  /**
   * The pending send an ack settles, removed from the outbox; matched by clientMsgId, since
   * the ack of a resend may answer a request id of a connection that no longer exists.
   */
  acknowledge(clientMsgId: string): PendingSend<Ack> | undefined {
    return this.queue.acknowledge(clientMsgId);
  }

  /**
   * An error frame: if it answers one of our sends, handles it and returns true.
   * `rate_limited` and `unavailable` mean "try later" (the latter also answers a resend
   * whose first send is still in flight): hold and retry with the same clientMsgId.
   * Anything else rejects the send.
   */
  refused(frame: ErrorReply): boolean {
    const entry = frame.id === undefined ? undefined : this.queue.byRequestId(frame.id);
    if (!entry) return false;
    if (frame.code === 'rate_limited' || frame.code === 'unavailable') {
      const wait =
        frame.retryAfterMs ??
        (frame.code === 'rate_limited'
          ? DEFAULT_RETRY_AFTER_MS
          : Math.min(UNAVAILABLE_MAX_WAIT_MS, DEFAULT_RETRY_AFTER_MS * 2 ** entry.retries));
      if (this.queue.retryLater(entry.clientMsgId, wait, Date.now()) === 'retry') {
        this.armHold();
        this.onRetry({ room: entry.room, clientMsgId: entry.clientMsgId, code: frame.code, retryAfterMs: wait });
        return true;
      }
    } else {
      this.queue.remove(entry.clientMsgId);
    }
    entry.settle.reject(ChatError.fromFrame(frame));
    return true;
  }

  /** The server dropped frames of this connection unread: written sends are written again after `afterMs`. */
  framesDropped(afterMs: number | undefined): void {
    this.queue.framesDropped(afterMs ?? DEFAULT_RETRY_AFTER_MS, Date.now());
    this.armHold();
  }

  /** The connection dropped: written sends wait to be written again, same clientMsgId. */
  connectionLost(): void {
    this.queue.connectionLost();
  }

  /** Rejects every pending send (the client closed or gave up). */
  close(error: ChatError): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    this.holdTimer = undefined;
    for (const entry of this.queue.drain()) entry.settle.reject(error);
  }

  private armHold(): void {
    if (this.holdTimer) clearTimeout(this.holdTimer);
    const wait = Math.max(1, this.queue.heldUntil - Date.now());
    this.holdTimer = setTimeout(() => {
      this.holdTimer = undefined;
      this.flush();
    }, wait);
  }
}

/**
 * A body the server would refuse, or whose frame would exceed maxFrameBytes. The second
 * matters most: the server closes the connection on such a frame (1009), and the outbox
 * would write it again after every reconnect, forever.
 */
export function checkBody(body: string, limits: ProtocolLimits): ChatError | undefined {
  if (body.length > limits.maxBodyChars) {
    return new ChatError('too_large', `the body has ${body.length} characters; the limit is ${limits.maxBodyChars}`);
  }
  const bytes = Buffer.byteLength(JSON.stringify(body)) + SEND_FRAME_OVERHEAD;
  if (bytes > limits.maxFrameBytes) {
    return new ChatError(
      'too_large',
      `the send frame would take about ${bytes} bytes; the limit is ${limits.maxFrameBytes}`,
    );
  }
  return undefined;
}
