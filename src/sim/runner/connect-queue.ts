import { performance } from 'node:perf_hooks';
import { ConnectWindow } from './connect-window.js';

/** What the queue connects: a device whose connect() resolves once it is live (or rejects). */
export interface Connectable {
  connect(): Promise<void>;
}

/**
 * A load process's connects, first come first served, at most as many in flight as its
 * ConnectWindow allows: the initial connect of every device and, later, the returns of churned
 * devices. A reconnect storm (thousands of devices of one process coming back in the same
 * millisecond) used to call connect() on each at once: the process's own event loop stalled for
 * seconds, hellos timed out in the gateways' queues and were retried, and 30,000 devices took
 * 35-45 s to come back where the initial connect of the same devices took 32 s. Queued here, the
 * storm is served as fast as the cluster answers; a device's time back still counts from the
 * moment it wanted to return.
 */
export class ConnectQueue {
  private readonly window: ConnectWindow;
  private readonly waiting: Array<{ device: Connectable; settle: (ok: boolean) => void }> = [];
  private head = 0;
  private inFlight = 0;

  constructor(
    maxInFlight: number,
    /** Each connect's outcome and duration (progress reports, the window's width). */
    private readonly onSettled: (ms: number, ok: boolean, windowLimit: number) => void = () => {},
  ) {
    this.window = new ConnectWindow({ max: maxInFlight });
  }

  /** Connects `device` when a slot is free; resolves true once it is live, false when its connect failed. */
  connect(device: Connectable): Promise<boolean> {
    return new Promise<boolean>((settle) => {
      this.waiting.push({ device, settle });
      this.pump();
    });
  }

  /** Connects waiting for a slot. */
  get queued(): number {
    return this.waiting.length - this.head;
  }

  private pump(): void {
    while (this.inFlight < this.window.limit && this.head < this.waiting.length) {
      const { device, settle } = this.waiting[this.head]!;
      this.waiting[this.head++] = undefined as never;
      if (this.head === this.waiting.length) {
        this.waiting.length = 0;
        this.head = 0;
      }
      const started = performance.now();
      this.inFlight++;
      void device
        .connect()
        .then(
          () => true,
          () => false,
        )
        .then((ok) => {
          this.inFlight--;
          const ms = performance.now() - started;
          this.window.settled(ms, ok);
          this.onSettled(ms, ok, this.window.limit);
          settle(ok);
          this.pump();
        });
    }
  }
}
