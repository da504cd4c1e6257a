import { SYSTEM_TIMERS, type Timers } from '../core/client/index.js';

/** Read positions are sent this long after the newest message came into view, so a burst becomes one request. */
export const READ_DELAY_MS = 250;

/** What the screen shows of a room: its newest visible message, and whether someone can see it. */
export interface SeenView {
  room: string;
  newestVisibleSeq: number;
  /** The terminal has focus and no panel covers the messages. */
  visible: boolean;
}

/**
 * Moves the user's read position as messages are seen, so the user's other devices clear
 * their unread counts: after a frame shows a room's message above its read position, one
 * `read` up to the newest visible message goes out READ_DELAY_MS later (for what is on
 * screen then). A position already sent is not sent again; a failed one is retried with
 * the next frame.
 */
export class ReadMarker {
  private readonly sent = new Map<string, number>();
  private timer: unknown;

  constructor(
    private readonly markRead: (room: string, seq: number) => Promise<void>,
    /** What the screen shows now (asked again when the delay is over). */
    private readonly current: () => SeenView | undefined,
    private readonly timers: Timers = SYSTEM_TIMERS,
  ) {}

  /** A frame was drawn; `readSeq` and `unread` are the room's counters. */
  seen(view: SeenView, readSeq: number, unread: number): void {
    if (!view.visible || unread === 0 || view.newestVisibleSeq <= readSeq) return;
    if ((this.sent.get(view.room) ?? 0) >= view.newestVisibleSeq || this.timer !== undefined) return;
    this.timer = this.timers.setTimeout(() => this.flush(), READ_DELAY_MS);
  }

  /** Stops a pending send (on quit). */
  cancel(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private flush(): void {
    this.timer = undefined;
    const view = this.current();
    if (!view || !view.visible) return;
    const { room, newestVisibleSeq: seq } = view;
    if ((this.sent.get(room) ?? 0) >= seq) return;
    this.sent.set(room, seq);
    this.markRead(room, seq).catch(() => {
      if (this.sent.get(room) === seq) this.sent.delete(room);
    });
  }
}
