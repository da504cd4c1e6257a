import { HISTORY_MAX_LIMIT, type Message, type Room } from '../protocol/index.js';
import type { CursorStore } from './cursor-store.js';
import { DEFAULT_REORDER_CAPACITY, RoomReorderBuffer } from './room-reorder-buffer.js';

/**
 * Every room's timeline for one device, and the sync rules around them. Pure: it decides,
 * the client does the I/O (sends the history requests it asks for, emits what it returns).
 *
 * - Live messages, sync batches and gap-fill pages all go through the same per-room
 *   reorder buffer, so the seam between sync and live needs no special case: whatever
 *   arrives twice is dropped by seq.
 * - Gaps are only filled outside a sync: a sync is itself filling them.
 * - At sync.done, a room marked `truncated` skipped older messages on purpose: its cursor
 *   jumps to just below the lowest seq the sync sent for it, instead of paging back.
 * - A sync.done with hasMore ends a page, not the sync: the jumps apply (the next page's
 *   since starts from them) and gap fills keep waiting for the last page.
 * - Cursors are written through to the CursorStore as they advance.
 */

/** One history request that fills (part of) a gap: the `limit` seqs just below `before`. */
export interface GapFill {
  room: string;
  before: number;
  limit: number;
}

/** What a gap-fill page did. */
export interface FillOutcome {
  delivered: readonly Message[];
  /** Set when the server had nothing below `before`: these seqs were skipped. */
  skipped?: { room: string; from: number; to: number };
}

interface RoomState {
  buffer: RoomReorderBuffer<Message>;
  /** Lowest seq this room got in the running sync's batches. */
  syncLowest: number | undefined;
  fillInFlight: boolean;
  /** A fill failed; it is tried again on the next message of the room, the next sync, or retryFailedFills(). */
  fillBlocked: boolean;
}

export interface MessageTimelineOptions {
  /** Most messages held per room above a gap. Default DEFAULT_REORDER_CAPACITY (2000). */
  capacityPerRoom?: number;
}

export class MessageTimeline {
  private readonly rooms = new Map<string, RoomState>();
  /** Rooms whose timeline has a gap, so that a client with many rooms never scans them all. */
  private readonly gapped = new Set<string>();
  private readonly capacity: number;
  private syncing = false;

  constructor(
    private readonly cursors: CursorStore,
    options: MessageTimelineOptions = {},
  ) {
    this.capacity = options.capacityPerRoom ?? DEFAULT_REORDER_CAPACITY;
  }

  /** The room's cursor: the last contiguous seq this device has. */
  cursor(room: string): number {
    return this.rooms.get(room)?.buffer.cursor ?? this.cursors.get(room);
  }

  /** Seqs held above a gap in the room (diagnostics and tests). */
  heldSeqs(room: string): number[] {
    return this.rooms.get(room)?.buffer.heldSeqs() ?? [];
  }

  get isSyncing(): boolean {
    return this.syncing;
  }

  /** Whether takeFills would return something now (cheap: no room is scanned). */
  get hasFillsToTake(): boolean {
    if (this.syncing) return false;
    for (const room of this.gapped) {
      const state = this.rooms.get(room);
      if (state && !state.fillInFlight && !state.fillBlocked) return true;
    }
    return false;
  }

  /** A sync request went out: batches are coming, gap fills wait until it is done. */
  beginSync(): void {
    this.syncing = true;
    for (const state of this.rooms.values()) state.syncLowest = undefined;
  }

  /** A live `msg`, or a message rebuilt from our own ack. */
  acceptLive(message: Message): readonly Message[] {
    const state = this.state(message.room);
    state.fillBlocked = false;
    return this.accept(state, message);
  }

  /** One `sync.batch` of the running sync. */
  acceptSyncBatch(messages: readonly Message[]): Message[] {
    const delivered: Message[] = [];
    for (const message of messages) {
      const state = this.state(message.room);
      if (state.syncLowest === undefined || message.seq < state.syncLowest) state.syncLowest = message.seq;
      delivered.push(...this.accept(state, message));
    }
    return delivered;
  }

  /**
   * `sync.done`: jumps truncated rooms past what was skipped, records every room's lastSeq
   * (anything below it that is still missing is a gap to fill), and ends the sync, unless
   * `hasMore`: then the next page begins (beginSync is not needed).
   */
  finishSync(rooms: readonly Room[], hasMore = false): Message[] {
    const delivered: Message[] = [];
    for (const room of rooms) {
      const state = this.state(room.id);
      if (room.truncated && state.syncLowest !== undefined) {
        const before = state.buffer.cursor;
        delivered.push(...state.buffer.jumpTo(state.syncLowest - 1));
        this.persist(room.id, state, before);
      }
      state.buffer.noteExists(room.lastSeq);
      this.track(room.id, state);
    }
    if (hasMore) {
      for (const state of this.rooms.values()) state.syncLowest = undefined;
      return delivered;
    }
    this.syncing = false;
    for (const state of this.rooms.values()) {
      state.syncLowest = undefined;
      state.fillBlocked = false;
    }
    return delivered;
  }

  /** The connection is gone: its sync and its fills died with it. */
  connectionLost(): void {
    this.syncing = false;
    for (const state of this.rooms.values()) state.fillInFlight = false;
  }

  /**
   * The history requests to send now: one per room with a gap and no fill in flight,
   * none during a sync. Each asks for at most HISTORY_MAX_LIMIT seqs, the top of the gap
   * first (history pages backwards); the next is asked for when that one is in.
   */
  takeFills(): GapFill[] {
    if (this.syncing) return [];
    const fills: GapFill[] = [];
    for (const room of this.gapped) {
      const state = this.rooms.get(room);
      if (!state || state.fillInFlight || state.fillBlocked) continue;
      const gap = state.buffer.gap();
      if (!gap) continue;
      state.fillInFlight = true;
      fills.push({ room, before: gap.before, limit: Math.min(HISTORY_MAX_LIMIT, gap.count) });
    }
    return fills;
  }

  /** A page answering `fill` arrived. */
  acceptFill(fill: GapFill, messages: readonly Message[]): FillOutcome {
    const state = this.state(fill.room);
    state.fillInFlight = false;
    const delivered: Message[] = [];
    const cursorBefore = state.buffer.cursor;
    let inGap = false;
    for (const message of messages) {
      if (message.room !== fill.room) continue;
      if (message.seq > cursorBefore && message.seq < fill.before) inGap = true;
      delivered.push(...this.accept(state, message));
    }
    const cursor = state.buffer.cursor;
    if (!inGap && cursor < fill.before - 1) {
      // The server has nothing below `before` (seqs are gapless, so these do not exist,
      // e.g. removed by retention). Skip them rather than stall the room forever.
      const from = cursor + 1;
      const to = fill.before - 1;
      delivered.push(...state.buffer.jumpTo(to));
      this.persist(fill.room, state, cursor);
      this.track(fill.room, state);
      return { delivered, skipped: { room: fill.room, from, to } };
    }
    return { delivered };
  }

  /**
   * A fill failed (error, timeout). It is retried on the room's next message or the next
   * sync, not at once, so a failing room cannot spin.
   */
  failFill(fill: GapFill): void {
    const state = this.rooms.get(fill.room);
    if (!state) return;
    state.fillInFlight = false;
    state.fillBlocked = true;
  }

  /** Lets every failed fill be taken again (the client's retry after a failed history request). */
  retryFailedFills(): void {
    for (const state of this.rooms.values()) state.fillBlocked = false;
  }

  /** The device left the room: drop what is held or expected for it (its cursor stays). */
  forgetRoom(room: string): void {
    const state = this.rooms.get(room);
    if (!state) return;
    state.buffer.forgetAbove();
    this.track(room, state);
  }

  private accept(state: RoomState, message: Message): readonly Message[] {
    const before = state.buffer.cursor;
    const delivered = state.buffer.accept(message);
    this.persist(message.room, state, before);
    this.track(message.room, state);
    return delivered;
  }

  private track(room: string, state: RoomState): void {
    if (state.buffer.gap()) this.gapped.add(room);
    else this.gapped.delete(room);
  }

  private persist(room: string, state: RoomState, previousCursor: number): void {
    if (state.buffer.cursor !== previousCursor) this.cursors.set(room, state.buffer.cursor);
  }

  private state(room: string): RoomState {
    let state = this.rooms.get(room);
    if (!state) {
      state = {
        buffer: new RoomReorderBuffer<Message>(this.cursors.get(room), this.capacity),
        syncLowest: undefined,
        fillInFlight: false,
        fillBlocked: false,
      };
      this.rooms.set(room, state);
    }
    return state;
  }
}
