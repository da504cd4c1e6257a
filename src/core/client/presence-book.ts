import type { PresenceStatus } from './events.js';

/** Most users whose presence a client remembers; the least recently updated go first. */
export const PRESENCE_BOOK_LIMIT = 10_000;

/**
 * The latest presence the client heard of each user, from unsolicited `presence` frames
 * and `presence.query` answers alike. Pure.
 *
 * Kept across reconnects: it is the last thing heard. The server only reports changes, so
 * a change that happened while this device was offline is not heard of: the session asks
 * again for every user in the book after each sync (DeviceSession.refreshPresence).
 *
 * Bounded, so a client of many large rooms cannot grow it without end: each update moves
 * the user to the back, and the front is dropped past the limit.
 */
export class PresenceBook {
  private readonly statuses = new Map<string, PresenceStatus>();

  constructor(private readonly limit: number = PRESENCE_BOOK_LIMIT) {}

  get size(): number {
    return this.statuses.size;
  }

  /** The users heard of, least recently updated first. */
  users(): string[] {
    return [...this.statuses.keys()];
  }

  get(user: string): PresenceStatus | undefined {
    const status = this.statuses.get(user);
    return status ? { ...status } : undefined;
  }

  note(users: readonly PresenceStatus[]): void {
    for (const status of users) {
      this.statuses.delete(status.user);
      this.statuses.set(status.user, { user: status.user, status: status.status, lastSeen: status.lastSeen });
    }
    while (this.statuses.size > this.limit) {
      const oldest = this.statuses.keys().next();
      if (oldest.done) break;
      this.statuses.delete(oldest.value);
    }
  }
}
