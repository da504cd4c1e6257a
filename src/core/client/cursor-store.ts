/**
 * Where a device keeps, per room, the last contiguous seq it has (its cursor). Sync sends
 * `all()` as `since`; the client calls `set` each time a room's cursor advances, so a
 * store that persists (a file, IndexedDB, ...) lets a device resume after a restart.
 * Synchronous on purpose: it is called on the delivery path of every message.
 */
export interface CursorStore {
  /** The room's cursor; 0 when the device has nothing of the room. */
  get(room: string): number;
  /** Records a new cursor for the room (the client only ever moves it forward). */
  set(room: string, seq: number): void;
  /** Every room with a cursor above 0. */
  all(): Record<string, number>;
}

/** The default store: cursors live as long as the client object. */
export class MemoryCursorStore implements CursorStore {
  private readonly cursors = new Map<string, number>();

  constructor(initial?: Record<string, number>) {
    if (initial) for (const [room, seq] of Object.entries(initial)) this.set(room, seq);
  }

  get(room: string): number {
    return this.cursors.get(room) ?? 0;
  }

  set(room: string, seq: number): void {
    if (seq > 0) this.cursors.set(room, seq);
    else this.cursors.delete(room);
  }

  all(): Record<string, number> {
    return Object.fromEntries(this.cursors);
  }
}
