import { performance } from 'node:perf_hooks';
import type { RefusedMember, Room } from '../protocol/index.js';
import { DeviceSession } from './device-session.js';
import type { HistoryPage, PresenceStatus } from './events.js';
import type { RequestFrame } from './frames.js';

/**
 * The chat-node client: one device's connection to the cluster, used by the terminal
 * client, the load simulator and the end-to-end tests alike.
 *
 * DeviceSession (beneath) keeps the device connected and in sync: hello, welcome, resend of
 * unacked sends, sync, live delivery once per (room, seq) in order, gap fills, reconnect
 * with backoff, goaway. This class adds the typed calls of protocol v1 on top of its
 * `request()` and `send()`.
 *
 * Events (typed): 'message', 'room', 'read', 'typing', 'presence', 'ack', 'retry', 'state',
 * 'synced', 'error' (see ChatClientEvents). 'error' is never thrown, even unheard.
 */
export class ChatClient extends DeviceSession {
  /** The 1:1 room with `user` (the same pair always gets the same room). */
  async createDirect(user: string): Promise<Room> {
    const reply = await this.request({ type: 'room.create', kind: 'direct', members: [user] });
    return this.viewOf(reply.room);
  }

  /** A new group; this user is its owner and a member. */
  async createGroup(name: string, members: string[]): Promise<Room> {
    const reply = await this.request({ type: 'room.create', kind: 'group', name, members });
    return this.viewOf(reply.room);
  }

  /** The owner adds members. */
  async addMembers(room: string, users: string[]): Promise<Room> {
    const reply = await this.request({ type: 'room.members.add', room, users });
    return this.viewOf(reply.room);
  }

  /**
   * Like addMembers, with the users who were not added and why (they blocked this user, or are
   * in as many rooms as a user may be). createGroup's refusals come the same way from createGroupWithRefusals.
   */
  async addMembersWithRefusals(room: string, users: string[]): Promise<{ room: Room; refused: RefusedMember[] }> {
    const reply = await this.request({ type: 'room.members.add', room, users });
    return { room: this.viewOf(reply.room), refused: reply.refused ?? [] };
  }

  async createGroupWithRefusals(name: string, members: string[]): Promise<{ room: Room; refused: RefusedMember[] }> {
    const reply = await this.request({ type: 'room.create', kind: 'group', name, members });
    return { room: this.viewOf(reply.room), refused: reply.refused ?? [] };
  }

  /** The owner removes members, or a member removes itself (leaves). */
  async removeMembers(room: string, users: string[]): Promise<Room> {
    const reply = await this.request({ type: 'room.members.remove', room, users });
    return this.viewOf(reply.room);
  }

  /**
   * This user leaves the room, a group or a direct room (creating the direct room again, by
   * either user, brings it back). Resolves to the room as left (without this user).
   */
  async leave(room: string): Promise<Room> {
    const me = this.user;
    if (me === undefined) throw new Error('leave: not connected yet');
    return this.removeMembers(room, [me]);
  }

  /**
   * Every room of the user, from the server, most recent activity first (it also refreshes
   * rooms()). Follows rooms.list's pages, `pageSize` rooms each (default: the server's).
   */
  async listRooms(pageSize?: number): Promise<Room[]> {
    const all: Room[] = [];
    let after: string | undefined;
    do {
      const frame: RequestFrame<'rooms.list'> = { type: 'rooms.list' };
      if (pageSize !== undefined) frame.limit = pageSize;
      if (after !== undefined) frame.after = after;
      const reply = await this.request(frame);
      all.push(...reply.rooms);
      after = reply.next;
    } while (after !== undefined);
    this.replaceRooms(all);
    return all
      .map((room) => this.viewOf(room))
      .sort((a, b) => b.lastSeq - a.lastSeq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** This user no longer accepts `user`: no direct room or group add from it, no presence to it. */
  async block(user: string): Promise<void> {
    await this.request({ type: 'user.block', user });
  }

  async unblock(user: string): Promise<void> {
    await this.request({ type: 'user.unblock', user });
  }

  /** The users this user blocked, sorted. */
  async listBlocks(): Promise<string[]> {
    return (await this.request({ type: 'blocks.list' })).users;
  }

  /**
   * The `limit` (default 50, at most 100) messages just below `before` (below the newest
   * when absent). A query for the caller: the messages do not enter the timeline (no
   * 'message' events, cursors untouched).
   */
  async history(room: string, opts: { before?: number; limit?: number } = {}): Promise<HistoryPage> {
    const frame: RequestFrame<'history'> = { type: 'history', room };
    if (opts.before !== undefined) frame.before = opts.before;
    if (opts.limit !== undefined) frame.limit = opts.limit;
    const reply = await this.request(frame);
    return { messages: reply.messages, hasMore: reply.hasMore };
  }

  /** Moves the user's read position in the room to at least `seq` (on every device of the user). */
  async markRead(room: string, seq: number): Promise<void> {
    await this.request({ type: 'read', room, seq });
    this.noteOwnRead(room, seq);
  }

  /** Round trip time of a ping, in ms. */
  async ping(): Promise<number> {
    const start = performance.now();
    await this.request({ type: 'ping' });
    return performance.now() - start;
  }

  /**
   * Tells the other members this user is typing (or stopped). Fire and forget, without an
   * id (so no `ok` comes back; a refusal arrives as an 'error' event): false when offline.
   * A start runs out on the other side after the server's ttlMs (default 8 s): call it
   * again about every 3 s while the user keeps typing. To wait for the server's `ok`, use
   * `request({ type: 'typing', room, state })`.
   */
  setTyping(room: string, state: 'start' | 'stop'): boolean {
    return this.writeNow({ type: 'typing', room, state });
  }

  /** The other users typing in the room now, sorted (as told by 'typing' events). */
  typingIn(room: string): string[] {
    return this.typists.typingIn(room);
  }

  /**
   * Presence of users who share a room with this one (others are left out). The answer
   * also updates presenceOf().
   */
  async queryPresence(users: string[]): Promise<PresenceStatus[]> {
    return (await this.request({ type: 'presence.query', users })).users;
  }

  /**
   * The latest presence heard of `user` (unsolicited `presence` frames and query answers);
   * undefined when none was. Kept across reconnects, and refreshed after each sync: the
   * client asks again for every user it holds (the server does not replay missed changes).
   */
  presenceOf(user: string): PresenceStatus | undefined {
    return this.presence.get(user);
  }

  /** Registers this device's push token. */
  async registerPush(platform: 'apns' | 'fcm', token: string, preview?: boolean): Promise<void> {
    const frame: RequestFrame<'push.register'> = { type: 'push.register', platform, token };
    if (preview !== undefined) frame.preview = preview;
    await this.request(frame);
  }

  async unregisterPush(): Promise<void> {
    await this.request({ type: 'push.unregister' });
  }
}
