import type { Logger } from 'pino';
import type { HistoryCache } from '../../core/cache/history-cache.js';
import type { Message } from '../../core/protocol/server-frames.js';
import { UnansweredWatch } from './settle-within.js';

export interface DeferredCacheWritesOptions {
  /** How long appends gather before one Redis round trip writes them (default 20 ms). */
  windowMs?: number;
  /** Messages that write at once, whatever the window (default 1,000). */
  maxMessages?: number;
  /** How long a write may take before it counts as failed (default 1,000 ms). */
  timeoutMs?: number;
}

/**
 * History-cache appends that ride no other round trip, written together every `windowMs`: at
 * 1,000 msgs/s one Redis round trip every 20 ms instead of one per committed batch. A cache read
 * asks for an exact seq range and reads Postgres on any hole, so a message not written yet costs
 * that read a database query, never a message; a write that fails is dropped for the same reason.
 * One write at a time: what arrives meanwhile goes in the next. While a write that timed out has
 * not come back (a blackholed Redis), the next ones are dropped without asking: what waits is one
 * window's messages, never a growing queue.
 */
export class DeferredCacheWrites {
  private pending: Message[] = [];
  private timer?: NodeJS.Timeout;
  private writing?: Promise<void>;
  private failing = false;
  private readonly redis = new UnansweredWatch();
  private readonly windowMs: number;
  private readonly maxMessages: number;
  private readonly timeoutMs: number;

  constructor(
    private readonly cache: HistoryCache,
    private readonly log: Logger,
    options: DeferredCacheWritesOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 20;
    this.maxMessages = options.maxMessages ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 1000;
  }

  add(messages: readonly Message[]): void {
    if (messages.length === 0) return;
    this.pending.push(...messages);
    if (this.pending.length >= this.maxMessages) void this.flush();
    else this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
  }

  /** Writes what is pending now (after the write in flight, if any); resolves when it is written or dropped. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writing = (this.writing ?? Promise.resolve()).then(() => this.write());
    return this.writing;
  }

  private async write(): Promise<void> {
    const messages = this.pending;
    this.pending = [];
    if (messages.length === 0) return;
    if (this.redis.waiting) return this.failed('an earlier write has not been answered');
    const outcome = await this.redis.settle(this.cache.append(messages), this.timeoutMs);
    if (outcome.kind === 'value') {
      if (this.failing) this.log.info('history cache writes succeed again');
      this.failing = false;
      return;
    }
    this.failed(
      outcome.kind === 'timeout' ? `no answer within ${this.timeoutMs} ms` : (outcome.error as Error).message,
    );
  }

  private failed(reason: string): void {
    if (!this.failing) this.log.warn({ reason }, 'history cache write failed: reads of these messages go to Postgres');
    this.failing = true;
  }
}
