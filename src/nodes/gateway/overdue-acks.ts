/**
 * The sends this gateway put on the send stream whose answer from the fan-out (the ack, or an
 * error) has not come back. Both travel over core NATS, which does not redeliver: an answer
 * published while this gateway's or the fan-out's NATS connection was reconnecting (a NATS
 * restart) is gone, and the client, still connected, would wait for it forever. A send that
 * stays unanswered for `overdueMs` is handed to its callback, which asks again (the republish
 * is de-duplicated by JetStream, or by Postgres once committed, and answered from there).
 *
 * One map in insertion order, which with one fixed delay is also due order: watching and
 * settling are a Map set and delete on the send path, and the sweep stops at the first entry
 * not due yet.
 */
export class OverdueAcks {
  private readonly pending = new Map<string, { dueAt: number; onOverdue: () => void }>();
  /**
   * Answers that came before their send was watched, by when. The watch starts once the stream's
   * PubAck is taken, and on a loaded gateway the fan-out's answer can be read first (both in one
   * socket read: the answer's callback runs before the PubAck's promise settles): without this,
   * such a send was published again 10 s later for nothing (757 times in one loaded run).
   */
  private readonly answeredEarly = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly overdueMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.sweep(), Math.min(1000, this.overdueMs));
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.pending.clear();
    this.answeredEarly.clear();
  }

  get size(): number {
    return this.pending.size;
  }

  /** Starts (or restarts) waiting for the answer to this connection's send. */
  watch(conn: string, clientMsgId: string, onOverdue: () => void): void {
    const key = keyOf(conn, clientMsgId);
    if (this.answeredEarly.delete(key)) return;
    this.pending.delete(key);
    this.pending.set(key, { dueAt: this.now() + this.overdueMs, onOverdue });
  }

  /** The answer came: stop waiting for it (or, not watched yet, do not start). */
  settle(conn: string, clientMsgId: string): void {
    const key = keyOf(conn, clientMsgId);
    if (!this.pending.delete(key)) this.answeredEarly.set(key, this.now());
  }

  /** Hands every overdue send to its callback (once; it may watch again). */
  sweep(): void {
    const now = this.now();
    // An early answer whose watch never came (a duplicate answer, a send that failed after it) goes.
    for (const [key, at] of this.answeredEarly) {
      if (at > now - this.overdueMs) break;
      this.answeredEarly.delete(key);
    }
    for (const [key, entry] of this.pending) {
      if (entry.dueAt > now) break;
      this.pending.delete(key);
      entry.onOverdue();
    }
  }
}

function keyOf(conn: string, clientMsgId: string): string {
  return `${conn}\n${clientMsgId}`;
}
