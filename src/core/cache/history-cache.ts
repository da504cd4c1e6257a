import { pipelineOf, type RedisBatch } from '../services/redis-pipeline.js';
import type { RedisClient } from '../services/redis-client.js';
import type { Message } from '../protocol/server-frames.js';

/**
 * Each room's recent messages, written as they commit and read by history and sync. A read
 * answers only a complete range: a hole is a miss, and the caller reads Postgres. Losing the
 * cache costs latency, never a message.
 */
export interface HistoryCache {
  append(messages: Message[]): Promise<void>;
  /** append(), queued in a batch going to Redis with another store's commands. */
  appendIn(batch: RedisBatch, messages: Message[]): void;
  /** Messages `from`..`to` of `room` (seqs, inclusive), or undefined when any is missing. */
  range(room: string, from: number, to: number): Promise<Message[] | undefined>;
}

/**
 * Write-through cache of each room's recent messages in Redis: a sorted set scored by seq, so a
 * re-processed batch writes the same members again and changes nothing. Because seqs are
 * gap-free, a read knows exactly which seqs it must find; a page with a hole is a miss and
 * the caller goes to Postgres. Losing Redis costs latency, never a message.
 */
export class RedisHistoryCache implements HistoryCache {
  constructor(
    private readonly redis: RedisClient,
    private readonly namespace: string,
    /** Messages kept per room (default 200). */
    readonly depth = 200,
    /** Idle rooms fall out after this (default 1 day). */
    readonly ttlSeconds = 86_400,
  ) {}

  private key(room: string): string {
    return `${this.namespace}:hist:{${room}}`;
  }

  async append(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    const pipeline = pipelineOf(this.redis);
    this.appendIn(pipeline, messages);
    await pipeline.exec();
  }

  /** Adds append()'s commands to a pipeline someone else runs (the fan-out's route lookup). */
  appendIn(pipeline: RedisBatch, messages: Message[]): void {
    const byRoom = new Map<string, Message[]>();
    for (const message of messages) {
      const list = byRoom.get(message.room);
      if (list) list.push(message);
      else byRoom.set(message.room, [message]);
    }
    for (const [room, list] of byRoom) {
      const key = this.key(room);
      const args: Array<string | number> = [];
      for (const message of list) args.push(message.seq, JSON.stringify(message));
      pipeline.zadd(key, ...args);
      pipeline.zremrangebyrank(key, 0, -(this.depth + 1));
      pipeline.expire(key, this.ttlSeconds);
    }
  }

  /** Messages with from <= seq <= to, ascending, only when every one of them is cached. */
  async range(room: string, from: number, to: number): Promise<Message[] | undefined> {
    if (to < from) return [];
    if (to - from + 1 > this.depth) return undefined;
    const raw = await this.redis.zrangebyscore(this.key(room), from, to);
    if (raw.length !== to - from + 1) return undefined;
    const messages = raw.map((text) => JSON.parse(text) as Message);
    for (let i = 0; i < messages.length; i++) if (messages[i]!.seq !== from + i) return undefined;
    return messages;
  }
}
