/**
 * Asks for the presence of users who wrote to this user in a direct room, unless the server
 * tells first. Writing in a direct room is what lets the other member see a user's presence, and
 * the server announces a user's first message there with an unsolicited `presence` frame
 * (protocol "Who is told"); it cannot announce users who wrote before this connection heard of
 * them. So a newcomer waits `delayMs`, and those the client still knows nothing of then are asked
 * for in one `presence.query`: one query per wait instead of one per correspondent and device,
 * and none for the common case the server covers.
 */
export class CorrespondentAsks {
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly delayMs: number,
    /** Whether the client already holds the user's presence. */
    private readonly known: (user: string) => boolean,
    private readonly ask: (users: string[]) => void,
  ) {}

  add(users: readonly string[]): void {
    for (const user of users) this.waiting.add(user);
    if (this.timer === undefined && this.waiting.size > 0) {
      this.timer = setTimeout(() => this.flush(), this.delayMs);
      this.timer.unref?.();
    }
  }

  /** Forgets the waiting users (the connection ended: the next sync's refresh asks for them). */
  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.waiting.clear();
  }

  private flush(): void {
    this.timer = undefined;
    const users = [...this.waiting].filter((user) => !this.known(user));
    this.waiting.clear();
    if (users.length > 0) this.ask(users);
  }
}
