import type { ChatClient, PresenceStatus } from '../../core/client/index.js';
import type { PresenceViewRecord, TypingViewRecord } from '../oracle/index.js';

/**
 * What a virtual device shows of its co-members' presence, and since when. The statuses come
 * from the client library's presence book (presenceOf); this only adds the time each one last
 * changed, which the book does not keep, so the report can say how long views took to agree.
 *
 * Like an app showing a contact list, it asks for the contacts' presence once a client is
 * live (the server says nothing on connect); afterwards the client library keeps the book
 * current: unsolicited changes, and its own refresh after a reconnect.
 */
export class PresenceWatch {
  private readonly since = new Map<string, { status: PresenceStatus['status']; at: number }>();
  private client?: ChatClient;

  constructor(private readonly contacts: readonly string[]) {}

  /** Follows a new client (a device coming back opens a new one, with an empty book). */
  attach(client: ChatClient): void {
    this.client = client;
    // The new client's book starts empty: what the old one showed is gone with it.
    this.since.clear();
    client.on('presence', (event) => this.note(event.users));
  }

  /** Asks for the contacts' presence (at most 1000 per query, the protocol's limit). */
  async query(): Promise<void> {
    const client = this.client;
    if (!client) return;
    for (let i = 0; i < this.contacts.length; i += 1000)
      this.note(await client.queryPresence(this.contacts.slice(i, i + 1000)));
  }

  /** Every contact shows online. */
  allOnline(): boolean {
    return this.contacts.every((user) => this.client?.presenceOf(user)?.status === 'online');
  }

  view(user: string, device: string, liveAt: number | null): PresenceViewRecord {
    const seen: PresenceViewRecord['seen'] = {};
    for (const contact of this.contacts) {
      const status = this.client?.presenceOf(contact)?.status;
      if (status) seen[contact] = { status, since: this.since.get(contact)?.at ?? Date.now() };
    }
    return { user, device, liveAt, seen };
  }

  private note(users: readonly PresenceStatus[]): void {
    const now = Date.now();
    for (const { user, status } of users) {
      if (this.since.get(user)?.status !== status) this.since.set(user, { status, at: now });
    }
  }
}

/** The typing indicators a client shows now, in every room it knows. */
export function typingView(user: string, device: string, client: ChatClient | undefined): TypingViewRecord {
  const shown: TypingViewRecord['shown'] = [];
  for (const room of client?.rooms() ?? [])
    for (const typist of client!.typingIn(room.id)) shown.push({ room: room.id, user: typist });
  return { user, device, at: Date.now(), shown };
}
