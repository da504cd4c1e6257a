import type { TypingEvent } from './events.js';

/**
 * Who is typing in which room, as told by the server's `typing` frames. Pure: time comes
 * from an injected Timers, so tests drive it with a fake clock.
 *
 * The server forwards a `start` at most every couple of seconds per typist and a `start`
 * ends by itself after its `ttlMs` unless renewed, so a lost `stop` (the typist's
 * connection dropped, a frame went missing) must not leave an indicator on for ever.
 *
 * Reported changes (the `onChange` callback), so that every reported start is followed by
 * exactly one reported stop for the same (room, user):
 * - start: the user was not typing in the room (a renewal only moves the expiry);
 * - stop: an explicit stop, a message from the user in the room, the room being forgotten
 *   or everything being cleared (ttlMs 0), always only for a user who was typing;
 * - stop with `expired: true` and ttlMs 0: a start ran out without renewal or stop.
 *
 * One timer per tracker, armed for the earliest expiry, instead of one per typist: the
 * load simulator runs thousands of clients per process.
 */

/** Where the tracker gets the time and its timer (the system's by default). */
export interface Timers {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const SYSTEM_TIMERS: Timers = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export class TypingTracker {
  /** room -> user -> when the user's start runs out (ms, on the timers' clock). */
  private readonly rooms = new Map<string, Map<string, number>>();
  private timer: unknown;
  private timerAt = Infinity;

  constructor(
    private readonly onChange: (event: TypingEvent) => void,
    private readonly timers: Timers = SYSTEM_TIMERS,
  ) {}

  /** The users typing in the room, sorted. */
  typingIn(room: string): string[] {
    const users = this.rooms.get(room);
    return users ? [...users.keys()].sort() : [];
  }

  /** How many (room, user) pairs are typing. */
  get size(): number {
    let count = 0;
    for (const users of this.rooms.values()) count += users.size;
    return count;
  }

  /** A `typing` frame from the server. */
  apply(event: TypingEvent): void {
    if (event.state === 'stop') {
      if (this.remove(event.room, event.user))
        this.onChange({ room: event.room, user: event.user, state: 'stop', ttlMs: event.ttlMs });
      return;
    }
    let users = this.rooms.get(event.room);
    if (!users) {
      users = new Map();
      this.rooms.set(event.room, users);
    }
    const renewal = users.has(event.user);
    const expiresAt = this.timers.now() + event.ttlMs;
    users.set(event.user, expiresAt);
    this.arm(expiresAt);
    if (!renewal) this.onChange({ room: event.room, user: event.user, state: 'start', ttlMs: event.ttlMs });
  }

  /** A new message from `user` arrived in the room: sending a message ends typing. */
  messageFrom(room: string, user: string): void {
    if (this.remove(room, user)) this.onChange(stopped(room, user));
  }

  /** The room is gone for this user (left, removed): its typists stop. */
  forgetRoom(room: string): void {
    const users = this.rooms.get(room);
    if (!users) return;
    this.rooms.delete(room);
    this.disarmIfIdle();
    for (const user of users.keys()) this.onChange(stopped(room, user));
  }

  /**
   * Everyone stops (the connection was lost: the stops and renewals that will not arrive
   * would otherwise leave indicators on until they expire).
   */
  clear(): void {
    const all = [...this.rooms];
    this.rooms.clear();
    this.disarmIfIdle();
    for (const [room, users] of all) for (const user of users.keys()) this.onChange(stopped(room, user));
  }

  private remove(room: string, user: string): boolean {
    const users = this.rooms.get(room);
    if (!users?.delete(user)) return false;
    if (users.size === 0) this.rooms.delete(room);
    this.disarmIfIdle();
    return true;
  }

  /** Makes sure the timer fires no later than `at`; an earlier one is fine: expire() re-arms. */
  private arm(at: number): void {
    if (this.timer !== undefined && this.timerAt <= at) return;
    this.disarm();
    this.timerAt = at;
    this.timer = this.timers.setTimeout(() => this.expire(), Math.max(0, at - this.timers.now()));
  }

  private disarm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
  }

  /** No timer left behind when nobody types: it would keep the process alive for nothing. */
  private disarmIfIdle(): void {
    if (this.rooms.size === 0) this.disarm();
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = this.timers.now();
    const expired: Array<[string, string]> = [];
    let next = Infinity;
    for (const [room, users] of this.rooms) {
      for (const [user, expiresAt] of users) {
        if (expiresAt <= now) {
          users.delete(user);
          expired.push([room, user]);
        } else if (expiresAt < next) {
          next = expiresAt;
        }
      }
      if (users.size === 0) this.rooms.delete(room);
    }
    if (next !== Infinity) this.arm(next);
    for (const [room, user] of expired) this.onChange({ ...stopped(room, user), expired: true });
  }
}

function stopped(room: string, user: string): TypingEvent {
  return { room, user, state: 'stop', ttlMs: 0 };
}
