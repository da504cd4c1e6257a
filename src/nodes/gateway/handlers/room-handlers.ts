import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import { ProtocolError } from '../../../core/protocol/errors.js';
import { MAX_BLOCKS_PER_USER, ROOMS_PAGE_DEFAULT } from '../../../core/protocol/limits.js';
import type { RefusedMember, Room } from '../../../core/protocol/server-frames.js';
import { BlockCapError, GroupCapError, RoomRefusal } from '../../../core/storage/room-store.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';
import { UserRateLimiter } from '../user-rate-limiter.js';

export type RoomContext = Pick<GatewayContext, 'config' | 'rooms' | 'sessions' | 'deliverer'>;

/**
 * room.create, room.members.add/remove, rooms.list; and telling members what changed. Also
 * user.block/unblock and blocks.list: a block decides who may put the blocker in a room.
 */
export class RoomHandlers {
  /** Users added to rooms per user, on this process: room creation is a spam channel. */
  private readonly adds: UserRateLimiter;

  constructor(private readonly ctx: RoomContext) {
    this.adds = new UserRateLimiter(ctx.config.roomAddRatePerSec, ctx.config.roomAddBurst);
  }

  async create(scope: RequestScope, frame: ClientFrameOf<'room.create'>): Promise<void> {
    const { user } = scope.session;
    const { limits, maxRoomsPerUser } = this.ctx.config;
    if (frame.kind === 'direct') {
      const [other, ...rest] = frame.members;
      if (!other || rest.length > 0 || other === user) {
        throw new ProtocolError('bad_frame', 'members: a direct room takes exactly one other user');
      }
      this.takeAdds(user, 1);
      let made: { roomId: string; added: string[]; version: number };
      try {
        made = await this.ctx.rooms.createDirect(user, other, maxRoomsPerUser);
      } catch (error) {
        throw refusalError(error, user, maxRoomsPerUser);
      }
      // Those added (both when new, a leaver brought back) hear of it; otherwise only the requester's devices.
      await this.answerAndNotify(scope, made.roomId, [user, ...made.added], [], made.version);
      return;
    }
    const others = [...new Set(frame.members)].filter((member) => member !== user);
    if (others.length + 1 > limits.maxGroupMembers) {
      throw new ProtocolError(
        'too_large',
        `a group has at most ${limits.maxGroupMembers} members, this one would have ${others.length + 1}`,
      );
    }
    this.takeAdds(user, Math.max(1, others.length));
    let made: { roomId: string; members: string[]; refused: RefusedMember[] };
    try {
      made = await this.ctx.rooms.createGroup(user, frame.name ?? '', others, maxRoomsPerUser);
    } catch (error) {
      throw refusalError(error, user, maxRoomsPerUser);
    }
    await this.answerAndNotify(scope, made.roomId, made.members, [], 0, made.refused);
  }

  async addMembers(scope: RequestScope, frame: ClientFrameOf<'room.members.add'>): Promise<void> {
    const { user } = scope.session;
    const room = await this.requireRoom(scope, frame.room);
    if (room.kind === 'direct') throw new ProtocolError('forbidden', 'the members of a direct room cannot change');
    if (room.owner !== user) throw new ProtocolError('forbidden', 'only the owner adds members');
    const users = [...new Set(frame.users)];
    this.takeAdds(user, users.filter((added) => !room.members.includes(added)).length);
    const { maxGroupMembers } = this.ctx.config.limits;
    let added: { added: string[]; refused: RefusedMember[]; version: number };
    try {
      added = await this.ctx.rooms.addMembers(room.id, user, users, maxGroupMembers, this.ctx.config.maxRoomsPerUser);
    } catch (error) {
      if (error instanceof GroupCapError)
        throw new ProtocolError('too_large', `a group has at most ${maxGroupMembers} members`);
      throw error;
    }
    await this.answerAndNotify(scope, room.id, [...room.members, ...added.added], [], added.version, added.refused);
  }

  /** The owner removes members of a group; any member removes itself from any room (leaves). */
  async removeMembers(scope: RequestScope, frame: ClientFrameOf<'room.members.remove'>): Promise<void> {
    const { user } = scope.session;
    const room = await this.requireRoom(scope, frame.room);
    const leavingOnly = frame.users.length === 1 && frame.users[0] === user;
    if (room.kind === 'direct' && !leavingOnly)
      throw new ProtocolError('forbidden', 'in a direct room a member can only remove itself (leave)');
    if (!leavingOnly && room.owner !== user)
      throw new ProtocolError('forbidden', 'only the owner removes others; any member may remove itself');
    const { removed, version } = await this.ctx.rooms.removeMembers(room.id, [...new Set(frame.users)]);
    await this.answerAndNotify(scope, room.id, room.members, removed, version);
  }

  async list(scope: RequestScope, frame: ClientFrameOf<'rooms.list'>): Promise<void> {
    const page = await this.ctx.rooms.roomsPage(scope.session.user, frame.limit ?? ROOMS_PAGE_DEFAULT, frame.after);
    scope.reply(
      page.next === undefined
        ? { type: 'rooms', rooms: page.rooms }
        : { type: 'rooms', rooms: page.rooms, next: page.next },
    );
  }

  async block(scope: RequestScope, frame: ClientFrameOf<'user.block'>): Promise<void> {
    if (frame.user === scope.session.user) throw new ProtocolError('bad_frame', 'user: a user cannot block itself');
    try {
      await this.ctx.rooms.block(scope.session.user, frame.user, MAX_BLOCKS_PER_USER);
    } catch (error) {
      if (error instanceof BlockCapError)
        throw new ProtocolError('too_large', `a user blocks at most ${MAX_BLOCKS_PER_USER} users`);
      throw error;
    }
    scope.reply({ type: 'ok' });
  }

  async unblock(scope: RequestScope, frame: ClientFrameOf<'user.unblock'>): Promise<void> {
    await this.ctx.rooms.unblock(scope.session.user, frame.user);
    scope.reply({ type: 'ok' });
  }

  async listBlocks(scope: RequestScope): Promise<void> {
    scope.reply({ type: 'blocks', users: await this.ctx.rooms.blocksOf(scope.session.user) });
  }

  /** Counts `count` users added against the user's room add rate; refuses when it is spent. */
  private takeAdds(user: string, count: number): void {
    if (count === 0) return;
    const waitMs = this.adds.take(user, count, Date.now());
    if (waitMs > 0) {
      const { roomAddRatePerSec, roomAddBurst } = this.ctx.config;
      throw new ProtocolError(
        'rate_limited',
        `users are added to rooms at most ${roomAddRatePerSec} per second (${roomAddBurst} at once)`,
        waitMs,
      );
    }
  }

  private async requireRoom(scope: RequestScope, roomId: string): Promise<Room> {
    const room = await this.ctx.rooms.view(roomId, scope.session.user);
    if (!room) throw new ProtocolError('not_found', `room ${roomId} does not exist`);
    if (!room.members.includes(scope.session.user))
      throw new ProtocolError('forbidden', `you are not a member of room ${roomId}`);
    return room;
  }

  /**
   * Answers the requester with its view, and sends every other device of the users concerned
   * its own view (readSeq and unread are per user). The membership hint refreshes gateways'
   * caches, so a removed member is refused at once; `version` is the room's members_version
   * after the change, which orders the hints of concurrent changes.
   */
  private async answerAndNotify(
    scope: RequestScope,
    roomId: string,
    concerned: string[],
    removed: string[],
    version: number,
    refused: RefusedMember[] = [],
  ): Promise<void> {
    const recipients = [...new Set([...concerned, ...removed, scope.session.user])];
    const views = await this.ctx.rooms.viewsFor(roomId, recipients);
    const mine = views.get(scope.session.user);
    if (!mine) throw new ProtocolError('not_found', `room ${roomId} does not exist`);
    this.ctx.sessions.setMember(scope.session.user, roomId, mine.members.includes(scope.session.user), version);
    scope.reply(refused.length > 0 ? { type: 'room', room: mine, refused } : { type: 'room', room: mine });
    const membership = { room: roomId, members: mine.members, version };
    await this.ctx.deliverer.deliver(
      [...views].map(([user, room]) => ({
        users: [user],
        frame: JSON.stringify({ type: 'room', room }),
        membership,
        exceptConn: scope.session.connId,
      })),
    );
  }
}

/** A refusal of the store as the protocol error the requester gets. */
function refusalError(error: unknown, requester: string, maxRooms: number): unknown {
  if (!(error instanceof RoomRefusal)) return error;
  if (error.reason === 'blocked')
    return new ProtocolError('forbidden', `${error.user} does not accept a direct room with you`);
  return error.user === requester
    ? new ProtocolError('too_large', `you are in ${maxRooms} rooms, the most a user may be in: leave one first`)
    : new ProtocolError('too_large', `${error.user} is in ${maxRooms} rooms, the most a user may be in`);
}
