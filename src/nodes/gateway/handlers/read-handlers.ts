import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import { ProtocolError } from '../../../core/protocol/errors.js';
import { HISTORY_DEFAULT_LIMIT, SYNC_BATCH_SIZE, SYNC_PAGE_CAP, SYNC_ROOM_CAP } from '../../../core/protocol/limits.js';
import type { Message, Room } from '../../../core/protocol/server-frames.js';
import type { UserRooms } from '../../../core/storage/room-store.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';
import { Coalescer } from '../../../core/batching/coalescer.js';
import { requireMember, type MembershipContext } from './membership.js';

export type ReadContext = MembershipContext & Pick<GatewayContext, 'sessions' | 'rooms' | 'reader' | 'deliverer'>;

interface MarkRead {
  room: string;
  user: string;
  seq: number;
}

interface MarkedRead {
  readSeq: number;
  members: string[];
}

/** Reads of a room's messages (history, sync) and the read position. */
export class ReadHandlers {
  /** Reads arriving while a statement runs go together in the next one (RoomStore.markReads). */
  private readonly marks: Coalescer<MarkRead, MarkedRead | undefined>;
  /**
   * Syncs arriving while a read of rooms runs share the next one (RoomStore.roomsOfUsers): a
   * connect storm is a sync per device, and one statement each was most of the gateway's
   * Postgres round trips.
   */
  private readonly roomReads: Coalescer<string, UserRooms>;

  constructor(private readonly ctx: ReadContext) {
    this.marks = new Coalescer((reads) => ctx.rooms.markReads(reads), { maxInFlight: 2, maxWeight: 500 });
    this.roomReads = new Coalescer((users) => ctx.rooms.roomsOfUsers(users), { maxInFlight: 1, maxWeight: 500 });
  }

  async history(scope: RequestScope, frame: ClientFrameOf<'history'>): Promise<void> {
    await requireMember(this.ctx, scope.session.user, frame.room);
    const lastSeq = await this.ctx.rooms.lastSeq(frame.room);
    const page = await this.ctx.reader.page(frame.room, lastSeq, frame.before, frame.limit ?? HISTORY_DEFAULT_LIMIT);
    scope.reply({ type: 'history', room: frame.room, messages: page.messages, hasMore: page.hasMore });
  }

  /**
   * What the device missed, room by room, up to SYNC_PAGE_CAP messages, then sync.done with
   * each room's lastSeq (and hasMore when the page filled: the client syncs again from where it
   * got to). The device's route was registered before this read, so anything committed after
   * the rooms were read reaches it live: no gap at the seam (duplicates are the client's to drop).
   * Stops at the next read once the session is gone.
   */
  async sync(scope: RequestScope, frame: ClientFrameOf<'sync'>): Promise<void> {
    const since = frame.since ?? {};
    const { user } = scope.session;
    const ticket = this.ctx.sessions.membershipTicket();
    const { rooms, membersVersion } = await this.roomReads.submit(user);
    // Each room's membership, at the version this read saw: a removal that arrives meanwhile
    // (a later version) is not overwritten (issue 13, item 1b), and the device's sends, history
    // and typing in these rooms need no membership query of their own.
    for (const room of rooms)
      this.ctx.sessions.setMember(user, room.id, true, membersVersion.get(room.id) ?? 0, ticket);
    const done: Room[] = [];
    let batch: Message[] = [];
    let sent = 0;
    let hasMore = false;
    const flush = () => {
      if (batch.length === 0) return;
      scope.reply({ type: 'sync.batch', messages: batch });
      batch = [];
    };
    for (const room of rooms) {
      const have = Math.min(since[room.id] ?? 0, room.lastSeq);
      const from = Math.max(have + 1, room.lastSeq - SYNC_ROOM_CAP + 1);
      let readFrom = false;
      // Read in cache-sized pages so that a short gap is served from Redis.
      for (let start = from; start <= room.lastSeq && !hasMore; start += SYNC_BATCH_SIZE) {
        const to = Math.min(room.lastSeq, start + SYNC_BATCH_SIZE - 1, start + SYNC_PAGE_CAP - sent - 1);
        if (to < start) {
          hasMore = true;
          break;
        }
        scope.signal.throwIfAborted();
        const messages = await this.ctx.reader.range(room.id, start, to);
        readFrom = true;
        sent += messages.length;
        for (const message of messages) {
          batch.push(message);
          if (batch.length >= SYNC_BATCH_SIZE) flush();
        }
      }
      // Truncated in the page that skipped the room's older messages, which is the page that sent `from`.
      done.push(readFrom && from > have + 1 ? { ...room, truncated: true } : room);
    }
    flush();
    scope.signal.throwIfAborted();
    scope.reply(hasMore ? { type: 'sync.done', rooms: done, hasMore } : { type: 'sync.done', rooms: done });
  }

  /**
   * Stores the read position and tells every member's devices (the user's other devices keep
   * their counters by it), then answers `ok`: an `ok` means both happened. Announcing after the
   * answer lost the announcement whenever what followed the answer failed (a Postgres pool wait
   * past its timeout when thousands of reads arrived at once), and the user's other devices
   * never learnt the read: the rate sweep's read-diverged devices (issue 13, item 13). A read
   * that fails is answered with an error; repeating it is harmless.
   */
  async read(scope: RequestScope, frame: ClientFrameOf<'read'>): Promise<void> {
    const { user } = scope.session;
    await requireMember(this.ctx, user, frame.room);
    const marked = await this.marks.submit({ room: frame.room, user, seq: frame.seq });
    if (marked === undefined) throw new ProtocolError('forbidden', `you are not a member of room ${frame.room}`);
    await this.ctx.deliverer.deliver([
      { users: marked.members, frame: JSON.stringify({ type: 'read', room: frame.room, user, seq: marked.readSeq }) },
    ]);
    scope.reply({ type: 'ok' });
  }
}
