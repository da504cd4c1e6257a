/** What the gateway needs of one authenticated connection. */
export interface Session {
  readonly connId: string;
  readonly user: string;
  readonly device: string;
  /** Writes a serialized frame; false when the socket is gone or too far behind. */
  write(frame: string): boolean;
}

/** What the cache knows of one user in one room, as of the room's members_version. */
interface MembershipEntry {
  member: boolean;
  version: number;
}

/**
 * The sessions this gateway process holds, by connection and by user, plus each held user's
 * rooms: a membership cache filled from Postgres on a miss and kept current by the membership
 * hints on deliveries. Every entry carries the room's members_version it was read at, and an
 * older answer never overwrites a newer one, so a removal always wins over a read that started
 * before it (issue 13, item 1). The hints travel over plain NATS: when the link drops they may
 * be lost, so the gateway forgets the whole cache then (forgetMemberships).
 */
export class LocalSessions {
  private readonly byConn = new Map<string, Session>();
  private readonly byUser = new Map<string, Set<Session>>();
  private readonly roomsOfUser = new Map<string, Map<string, MembershipEntry>>();
  /** Bumped by forgetMemberships: a read that started before must not refill the cache. */
  private membershipGeneration = 0;

  get connectionCount(): number {
    return this.byConn.size;
  }

  get userCount(): number {
    return this.byUser.size;
  }

  users(): IterableIterator<string> {
    return this.byUser.keys();
  }

  all(): IterableIterator<Session> {
    return this.byConn.values();
  }

  /** Adds a session; the user's rooms are learnt as they are read (sync, a membership check), not up front. */
  add(session: Session): void {
    this.byConn.set(session.connId, session);
    let sessions = this.byUser.get(session.user);
    if (!sessions) this.byUser.set(session.user, (sessions = new Set()));
    sessions.add(session);
    if (!this.roomsOfUser.has(session.user)) this.roomsOfUser.set(session.user, new Map());
  }

  /** Removes a session (a session not held, or held no more, is left alone). */
  remove(session: Session): void {
    if (this.byConn.get(session.connId) !== session) return;
    this.byConn.delete(session.connId);
    const sessions = this.byUser.get(session.user);
    sessions?.delete(session);
    if (!sessions || sessions.size === 0) {
      this.byUser.delete(session.user);
      this.roomsOfUser.delete(session.user);
    }
  }

  byConnection(connId: string): Session | undefined {
    return this.byConn.get(connId);
  }

  sessionsOf(user: string): Iterable<Session> {
    return this.byUser.get(user) ?? [];
  }

  /** True when the cache knows the user is a member; false means "ask Postgres". */
  knowsMember(user: string, room: string): boolean {
    return this.roomsOfUser.get(user)?.get(room)?.member ?? false;
  }

  /** Taken before a membership read; hand it to setMember with the read's answer. */
  membershipTicket(): number {
    return this.membershipGeneration;
  }

  /**
   * Records the user's membership of the room at the room's members_version `version`, unless
   * the cache already knows a later version, or was forgotten since `ticket` was taken (a hint,
   * which is current when it arrives, passes none).
   */
  setMember(user: string, room: string, member: boolean, version: number, ticket?: number): void {
    if (ticket !== undefined && ticket !== this.membershipGeneration) return;
    const rooms = this.roomsOfUser.get(user);
    if (!rooms) return;
    const known = rooms.get(room);
    if (known && known.version > version) return;
    rooms.set(room, { member, version });
  }

  /** Forgets every cached membership: hints may have been lost (the NATS link went down). */
  forgetMemberships(): void {
    this.membershipGeneration++;
    for (const rooms of this.roomsOfUser.values()) rooms.clear();
  }
}
