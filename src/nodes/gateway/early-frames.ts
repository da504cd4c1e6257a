import { LONG_POLL_MAX_FRAMES_PER_POST, maxFramesBodyBytes } from '../../core/protocol/long-poll.js';

/**
 * Frames a WebSocket client sends after its hello and before the welcome, while the token is
 * checked and the device registered: kept, and handled in order right after the welcome. Bounded
 * by what one long-poll POST /v1/frames may carry (100 frames; 8 x maxFrameBytes bytes, at least
 * 64 KiB), so a client may pipeline a sync and its queued sends, but a token that takes long to
 * check (a JWKS fetch, a slow registration) cannot make the server hold whatever is sent meanwhile.
 */
export class EarlyFrames {
  private frames: Buffer[] = [];
  private bytes = 0;
  private overflowed = false;

  constructor(
    readonly maxFrames: number,
    readonly maxBytes: number,
  ) {}

  /** The bounds for a gateway that takes frames of up to `maxFrameBytes`. */
  static forFrameLimit(maxFrameBytes: number): EarlyFrames {
    return new EarlyFrames(LONG_POLL_MAX_FRAMES_PER_POST, maxFramesBodyBytes(maxFrameBytes));
  }

  get size(): number {
    return this.frames.length;
  }

  /** Keeps a frame. False when it would pass a bound: then nothing is kept any more. */
  add(data: Buffer): boolean {
    if (this.overflowed || this.frames.length + 1 > this.maxFrames || this.bytes + data.length > this.maxBytes) {
      this.overflowed = true;
      this.frames = [];
      this.bytes = 0;
      return false;
    }
    this.frames.push(data);
    this.bytes += data.length;
    return true;
  }

  /** The kept frames in arrival order; the buffer is empty afterwards. */
  take(): Buffer[] {
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    return frames;
  }

  describeBounds(): string {
    return `${this.maxFrames} frames or ${this.maxBytes} bytes`;
  }
}
