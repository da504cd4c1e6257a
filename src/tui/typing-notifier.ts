import { SYSTEM_TIMERS, type Timers } from '../core/client/index.js';

/** A typing start is renewed this often while the user types (the server's ttl is 8 s by default). */
export const TYPING_RENEW_MS = 3000;
/** No change to the input for this long ends "typing". */
export const TYPING_IDLE_MS = 5000;

/**
 * Tells the other members when this user types: `start` on the first change to a message
 * being written, renewed at most every TYPING_RENEW_MS while it changes, and `stop` when the
 * line is cleared or sent, the room changes, or the input rests for TYPING_IDLE_MS. Lines
 * that are commands ("/join x") are not typing.
 *
 * A `stop` before each send also resets the server's throttle (one forwarded start per 2 s),
 * so typing right after a send shows up at once.
 */
export class TypingNotifier {
  private room: string | undefined;
  private sentAt = 0;
  private idle: unknown;

  constructor(
    /** Writes a typing frame; false when offline (nothing was sent). */
    private readonly send: (room: string, state: 'start' | 'stop') => boolean,
    private readonly timers: Timers = SYSTEM_TIMERS,
  ) {}

  /** The room a start was sent for and not stopped yet. */
  get typingIn(): string | undefined {
    return this.room;
  }

  /** The input line of `room` now reads `text` (after an edit). */
  changed(room: string | undefined, text: string): void {
    const writing = room !== undefined && text.trim() !== '' && (!text.startsWith('/') || text.startsWith('//'));
    if (!writing) {
      this.stop();
      return;
    }
    const now = this.timers.now();
    if (this.room !== room) this.stop();
    if (this.room === undefined || now - this.sentAt >= TYPING_RENEW_MS) {
      if (this.send(room, 'start')) {
        this.room = room;
        this.sentAt = now;
      }
    }
    if (this.idle !== undefined) this.timers.clearTimeout(this.idle);
    this.idle = this.timers.setTimeout(() => this.stop(), TYPING_IDLE_MS);
  }

  /** Ends typing (sends `stop` when a start is out). */
  stop(): void {
    if (this.idle !== undefined) this.timers.clearTimeout(this.idle);
    this.idle = undefined;
    if (this.room === undefined) return;
    this.send(this.room, 'stop');
    this.room = undefined;
    this.sentAt = 0;
  }
}
