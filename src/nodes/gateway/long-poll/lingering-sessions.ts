export interface LingerSettings {
  /** How long a closed session still answers late polls with its close (ms; the presence timeout). */
  lingerMs: number;
  /** Most closed sessions of one user lingering on this process at once (maxConnectionsPerUser). */
  maxPerUser: number;
}

/**
 * The closed long-poll sessions of this process that still answer late polls (so a client whose
 * poll was not held at the close learns why), per user: each for `lingerMs`, and at most
 * `maxPerUser` of one user at a time. A closed session has given its admission slot back, so
 * without this cap one token could open and close sessions faster than they expire and keep an
 * unbounded number. Past the cap the user's oldest is forgotten early: its late polls get 404,
 * which a client already treats as "closed, create another". A new session is never refused
 * for the user's closed ones.
 */
export class LingeringSessions {
  /** By user, then session id (in closing order, oldest first) to its expiry timer. */
  private readonly byUser = new Map<string, Map<string, NodeJS.Timeout>>();

  /** @param forget told once per session, when it stops lingering (expired or pushed out). */
  constructor(
    private readonly settings: LingerSettings,
    private readonly forget: (id: string) => void,
  ) {}

  /** The session closed: it lingers from now on. */
  add(user: string, id: string): void {
    let ofUser = this.byUser.get(user);
    if (!ofUser) {
      ofUser = new Map();
      this.byUser.set(user, ofUser);
    }
    while (ofUser.size > 0 && ofUser.size >= this.settings.maxPerUser) {
      const oldest = ofUser.keys().next().value as string;
      this.end(user, oldest);
    }
    ofUser.set(id, setTimeout(() => this.end(user, id), this.settings.lingerMs).unref());
  }

  /** Closed sessions of the user lingering now. */
  countOf(user: string): number {
    return this.byUser.get(user)?.size ?? 0;
  }

  private end(user: string, id: string): void {
    const ofUser = this.byUser.get(user);
    const timer = ofUser?.get(id);
    if (!ofUser || timer === undefined) return;
    clearTimeout(timer);
    ofUser.delete(id);
    if (ofUser.size === 0) this.byUser.delete(user);
    this.forget(id);
  }
}
