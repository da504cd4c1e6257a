import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import { ProtocolError } from '../../../core/protocol/errors.js';
import type { Room } from '../../../core/protocol/server-frames.js';
import { GroupCapError } from '../../../core/storage/room-store.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';

/** room.create, room.members.add/remove, rooms.list; and telling members what changed. */
export class RoomHandlers {
  constructor(private readonly ctx: GatewayContext) {}

  async create(scope: RequestScope, frame: ClientFrameOf<'room.create'>): Promise<void> {
    const { user } = scope.session;
    const { limits } = this.ctx.config;
    if (frame.kind === 'direct') {
      const [other, ...rest] = frame.members;
      if (!other || rest.length > 0 || other === user) {
        throw new ProtocolError('bad_frame', 'members: a direct room takes exactly one other user');
      }
      const { roomId, created } = await this.ctx.rooms.createDirect(user, other);
      // A direct room's members never change: its members_version stays 0.
      await this.answerAndNotify(scope, roomId, created ? [user, other] : [user], [], 0);
      return;
    }
    const members = [...new Set([user, ...frame.members])];
    if (members.length > limits.maxGroupMembers) {
      throw new ProtocolError('too_large', `a group has at most ${limits.maxGroupMembers} members, this one would have ${members.length}`);
    }
    const roomId = await this.ctx.rooms.createGroup(user, frame.name ?? '', members);
    await this.answerAndNotify(scope, roomId, members, [], 0);
  }

  async addMembers(scope: RequestScope, frame: ClientFrameOf<'room.members.add'>): Promise<void> {
    const room = await this.requireRoom(scope, frame.room);
    if (room.kind === 'direct') throw new ProtocolError('forbidden', 'the members of a direct room cannot change');
    if (room.owner !== scope.session.user) throw new ProtocolError('forbidden', 'only the owner adds members');
    let added: { added: string[]; version: number };
    try {
      added = await this.ctx.rooms.addMembers(room.id, [...new Set(frame.users)], this.ctx.config.limits.maxGroupMembers);
    } catch (error) {
      if (error instanceof GroupCapError) {
        throw new ProtocolError('too_large', `a group has at most ${this.ctx.config.limits.maxGroupMembers} members`);
      }
      throw error;
    }
    await this.answerAndNotify(scope, room.id, [...room.members, ...added.added], [], added.version);
  }

  async removeMembers(scope: RequestScope, frame: ClientFrameOf<'room.members.remove'>): Promise<void> {
    const { user } = scope.session;
    const room = await this.requireRoom(scope, frame.room);
    const leavingOnly = frame.users.length === 1 && frame.users[0] === user;
    if (room.kind === 'direct') throw new ProtocolError('forbidden', 'the members of a direct room cannot change');
    if (!leavingOnly && room.owner !== user) throw new ProtocolError('forbidden', 'only the owner removes others; any member may remove itself');
    const { removed, version } = await this.ctx.rooms.removeMembers(room.id, [...new Set(frame.users)]);
    await this.answerAndNotify(scope, room.id, room.members, removed, version);
  }

  async list(scope: RequestScope): Promise<void> {
    const rooms = await this.ctx.rooms.roomsOf(scope.session.user);
    scope.reply({ type: 'rooms', rooms });
  }

  private async requireRoom(scope: RequestScope, roomId: string): Promise<Room> {
    const room = await this.ctx.rooms.view(roomId, scope.session.user);
    if (!room) throw new ProtocolError('not_found', `room ${roomId} does not exist`);
    if (!room.members.includes(scope.session.user)) throw new ProtocolError('forbidden', `you are not a member of room ${roomId}`);
    return room;
  }

  /**
   * Answers the requester with its view, and sends every other device of the users concerned
   * its own view (readSeq and unread are per user). The membership hint refreshes gateways'
   * caches, so a removed member is refused at once; `version` is the room's members_version
   * after the change, which orders the hints of concurrent changes.
   */
  private async answerAndNotify(scope: RequestScope, roomId: string, concerned: string[], removed: string[], version: number): Promise<void> {
    const recipients = [...new Set([...concerned, ...removed, scope.session.user])];
    const views = await this.ctx.rooms.viewsFor(roomId, recipients);
    const mine = views.get(scope.session.user);
    if (!mine) throw new ProtocolError('not_found', `room ${roomId} does not exist`);
    this.ctx.sessions.setMember(scope.session.user, roomId, mine.members.includes(scope.session.user), version);
    scope.reply({ type: 'room', room: mine });
    const membership = { room: roomId, members: mine.members, version };
    await this.ctx.deliverer.deliver(
      [...views].map(([user, room]) => ({ users: [user], frame: JSON.stringify({ type: 'room', room }), membership, exceptConn: scope.session.connId })),
    );
  }
}
