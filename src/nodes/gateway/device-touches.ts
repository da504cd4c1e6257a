import type { Logger } from 'pino';

export interface DeviceTouchStore {
  touchDevices(devices: ReadonlyArray<{ user: string; device: string }>): Promise<void>;
}

/**
 * Records "this user and device connected" in Postgres in batches, off the hello path.
 *
 * Nothing in the connect path needs the row (delivery goes by routes in Redis and by room
 * membership; push registrations stand alone), so one UPSERT per connect only added a WAL
 * flush per hello: a reconnect storm of 100k devices became 100k fsync'd transactions and a
 * connect rate of ~200/s. One statement per interval (or per `maxBatch` touches) keeps the
 * rows and their last_seen_at as fresh as the interval.
 */
export class DeviceTouches {
  private pending = new Map<string, { user: string; device: string }>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: DeviceTouchStore,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
    private readonly maxBatch = 2000,
  ) {
    this.timer = setInterval(() => void this.flush(), intervalMs);
    this.timer.unref();
  }

  touch(user: string, device: string): void {
    this.pending.set(`${user}\u0000${device}`, { user, device });
    if (this.pending.size >= this.maxBatch) void this.flush();
  }

  /** Writes what is pending (one flush at a time; a failed batch is retried with the next). */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.store.touchDevices([...batch.values()]);
      } catch (error) {
        this.log.warn(
          { err: error, devices: batch.size },
          'recording connected devices failed; retrying with the next batch',
        );
        for (const [key, value] of batch) if (!this.pending.has(key)) this.pending.set(key, value);
      }
    });
    return this.flushing;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
