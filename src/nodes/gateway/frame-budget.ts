import { BAD_FRAME_BURST, BAD_FRAME_REFILL_MS, FRAME_BURST, FRAME_RATE_PER_SEC } from '../../core/protocol/limits.js';
import { TokenBucket } from './token-bucket.js';

/** What to do with one inbound frame. */
export type FrameVerdict =
  | { admit: true }
  /** Drop it unread; `tell` is set at most once per retryAfterMs told (one error per wait, not one per frame). */
  | { admit: false; tell: boolean; retryAfterMs: number };

/**
 * What one connection may make the gateway do after welcome, decided before a frame is parsed:
 * every frame (ping, bad, anything) spends a token of the frame budget, and each bad frame one
 * of a small allowance that closes the connection once spent. Without it a few connections
 * sending pings or garbage as fast as they can had the process parse and answer every one.
 * Pure: the caller passes the clock.
 */
export class FrameBudget {
  private readonly frames: TokenBucket;
  private readonly badFrames: TokenBucket;
  /** Until when the client has been told to wait: dropped frames before it are not answered again. */
  private quietUntil = 0;

  /** The frame budget is at least twice the send limit's, so a client's sends meet that limit (answered with their id) first. */
  constructor(sendLimit: { sendRatePerSec: number; sendBurst: number }, now: number) {
    this.frames = new TokenBucket(
      Math.max(FRAME_RATE_PER_SEC, 2 * sendLimit.sendRatePerSec),
      Math.max(FRAME_BURST, 2 * sendLimit.sendBurst),
      now,
    );
    this.badFrames = new TokenBucket(1000 / BAD_FRAME_REFILL_MS, BAD_FRAME_BURST, now);
  }

  admit(now: number): FrameVerdict {
    if (this.frames.take(now) === 0) return { admit: true };
    // A second's worth of frames, not the next single token: a client that resends all it had
    // pending after the wait should find room for more than one of them.
    const retryAfterMs = this.frames.msUntil(FRAME_RATE_PER_SEC);
    const tell = now >= this.quietUntil;
    if (tell) this.quietUntil = now + retryAfterMs;
    return { admit: false, tell, retryAfterMs };
  }

  /** A frame failed validation; false once the connection sent more bad frames than it may (close it). */
  bad(now: number): boolean {
    return this.badFrames.take(now) === 0;
  }
}
