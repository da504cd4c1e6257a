/** What the gateway needs of one authenticated connection. */
export interface Session {
  readonly connId: string;
  readonly user: string;
  readonly device: string;
  /** Writes a serialized frame; false when the socket is gone or too far behind. */
  write(frame: string): boolean;
}

/**
 * The sessions this gateway process holds, by connection and by user, plus each held user's
 * rooms (membership cache: filled at hello, kept current by membership hints on deliveries).
 */
export class LocalSessions {
  private readonly byConn = new Map<string, Session>();
  private readonly byUser = new Map<string, Set<Session>>();
  /** Rooms each held user is known to be a member of (a miss asks Postgres). */
  private readonly roomsOfUser = new Map<string, Set<string>>();

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
    if (!this.roomsOfUser.has(session.user)) this.roomsOfUser.set(session.user, new Set());
  }

  /** Removes a session; returns whether another session of the same device remains here. */
  remove(session: Session): { deviceStillHere: boolean } {
    if (this.byConn.get(session.connId) !== session) return { deviceStillHere: true };
    this.byConn.delete(session.connId);
    const sessions = this.byUser.get(session.user);
    sessions?.delete(session);
    if (!sessions || sessions.size === 0) {
      this.byUser.delete(session.user);
      this.roomsOfUser.delete(session.user);
      return { deviceStillHere: false };
    }
    return { deviceStillHere: [...sessions].some((other) => other.device === session.device) };
  }

  byConnection(connId: string): Session | undefined {
    return this.byConn.get(connId);
  }

  sessionsOf(user: string): Iterable<Session> {
    return this.byUser.get(user) ?? [];
  }

  /** True when the cache knows the user is a member; false means "ask Postgres". */
  knowsMember(user: string, room: string): boolean {
    return this.roomsOfUser.get(user)?.has(room) ?? false;
  }

  setMember(user: string, room: string, member: boolean): void {
    const rooms = this.roomsOfUser.get(user);
    if (!rooms) return;
    if (member) rooms.add(room);
    else rooms.delete(room);
  }
}
