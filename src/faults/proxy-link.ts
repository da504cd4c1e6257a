import type { Socket } from 'node:net';
import type { TokenBucket } from './token-bucket.js';

export type Flow = 'up' | 'down';

/** What to do with the bytes of one flow right now (the proxy derives it from its mode). */
export type FlowRule =
  | { action: 'forward'; /** Extra wait per chunk, ms. */ delayMs: () => number; bucket?: TokenBucket }
  | { action: 'discard' }
  | { action: 'hold' };

/** Bytes queued in the proxy before it stops reading from the sender (backpressure). */
const HIGH_WATER = 256 * 1024;

/**
 * One direction of a proxied connection: reads `from`, applies the current rule, writes `to`.
 * Chunks go through a FIFO, so a delay or a rate limit never reorders bytes, and reading pauses
 * while the queue is full or the rule says hold, so the proxy never buffers without bound.
 */
export class FlowPump {
  private readonly queue: { chunk: Buffer; dueAt: number }[] = [];
  private queued = 0;
  private timer?: NodeJS.Timeout;
  private waitingDrain = false;
  private sourceEnded = false;
  /** Bytes forwarded. */
  bytes = 0;
  /** Bytes thrown away by a drop. */
  dropped = 0;

  constructor(
    readonly flow: Flow,
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly rule: (flow: Flow) => FlowRule,
  ) {
    from.on('data', (chunk: Buffer) => this.onData(chunk));
    from.on('end', () => {
      this.sourceEnded = true;
      this.flush();
    });
  }

  /** Bytes read but not yet forwarded (delayed, rate-limited or held). */
  get held(): number {
    return this.queued;
  }

  /** Re-applies the rule after a mode change (resumes a hold, re-times a delay). */
  kick(): void {
    this.flush();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
    this.queued = 0;
  }

  private onData(chunk: Buffer): void {
    const rule = this.rule(this.flow);
    if (rule.action === 'discard') {
      this.dropped += chunk.length;
      return;
    }
    const delay = rule.action === 'forward' ? rule.delayMs() : 0;
    this.queue.push({ chunk, dueAt: Date.now() + delay });
    this.queued += chunk.length;
    this.flush();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waitingDrain || this.to.destroyed) return;
    for (;;) {
      const rule = this.rule(this.flow);
      if (rule.action === 'hold') {
        this.from.pause();
        return;
      }
      const head = this.queue[0];
      if (head === undefined) break;
      const now = Date.now();
      if (head.dueAt > now) {
        this.schedule(head.dueAt - now);
        break;
      }
      let piece = head.chunk;
      if (rule.action === 'forward' && rule.bucket !== undefined) {
        const granted = rule.bucket.take(piece.length, now);
        if (granted === 0) {
          this.schedule(Math.max(1, rule.bucket.msUntil(piece.length, now)));
          break;
        }
        if (granted < piece.length) {
          head.chunk = piece.subarray(granted);
          piece = piece.subarray(0, granted);
        } else {
          this.queue.shift();
        }
      } else {
        // A chunk queued before a switch to drop is dropped too: the mode holds from the switch on.
        this.queue.shift();
        if (rule.action === 'discard') {
          this.queued -= piece.length;
          this.dropped += piece.length;
          continue;
        }
      }
      this.queued -= piece.length;
      this.bytes += piece.length;
      if (!this.to.write(piece)) {
        this.waitingDrain = true;
        this.to.once('drain', () => {
          this.waitingDrain = false;
          this.flush();
        });
        this.from.pause();
        return;
      }
    }
    if (this.queue.length === 0 && this.sourceEnded) {
      this.to.end();
      return;
    }
    if (this.queued < HIGH_WATER) this.from.resume();
    else this.from.pause();
  }

  private schedule(ms: number): void {
    if (this.queued >= HIGH_WATER) this.from.pause();
    else this.from.resume();
    this.timer = setTimeout(() => this.flush(), ms);
  }
}
