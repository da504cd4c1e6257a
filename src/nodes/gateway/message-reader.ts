import type { HistoryCache } from '../../core/cache/history-cache.js';
import type { Message } from '../../core/protocol/server-frames.js';
import type { MessageStore } from '../../core/storage/message-store.js';

/**
 * Reads seq ranges of a room from the Redis cache when it holds the whole range, from
 * Postgres otherwise. A Redis failure only costs the trip to Postgres.
 */
export class MessageReader {
  cacheHits = 0;
  cacheMisses = 0;

  constructor(
    private readonly store: MessageStore,
    private readonly cache: HistoryCache,
  ) {}

  async range(room: string, from: number, to: number): Promise<Message[]> {
    if (to < from) return [];
    const cached = await this.cache.range(room, from, to).catch(() => undefined);
    if (cached) {
      this.cacheHits++;
      return cached;
    }
    this.cacheMisses++;
    return this.store.range(room, from, to);
  }

  /** The `limit` messages just below `before` (below lastSeq + 1 when absent), ascending. */
  async page(
    room: string,
    lastSeq: number,
    before: number | undefined,
    limit: number,
  ): Promise<{ messages: Message[]; hasMore: boolean }> {
    const upper = Math.min(before === undefined ? lastSeq : before - 1, lastSeq);
    const lower = Math.max(1, upper - limit + 1);
    const messages = await this.range(room, lower, upper);
    return { messages, hasMore: lower > 1 };
  }
}
