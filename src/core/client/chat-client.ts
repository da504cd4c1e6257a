import { performance } from 'node:perf_hooks';
import type { Room } from '../protocol/index.js';
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

  /** The owner removes members, or a member removes itself (leaves). */
  async removeMembers(room: string, users: string[]): Promise<Room> {
    const reply = await this.request({ type: 'room.members.remove', room, users });
    return this.viewOf(reply.room);
  }

  /** Every room of the user, from the server (it also refreshes rooms()). */
  async listRooms(): Promise<Room[]> {
    const reply = await this.request({ type: 'rooms.list' });
    return reply.rooms.map((room) => this.viewOf(room));
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
