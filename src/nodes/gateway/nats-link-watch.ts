import type { NatsConnection } from '@nats-io/transport-node';

export interface NatsLinkWatchOptions {
  /** How often a PING goes to the NATS server this gateway is connected to (default 500 ms). */
  probeMs?: number;
  /**
   * Connected, yet no PING answered for this long: cut off (default 2000 ms). A PING queues
   * behind every publish and reply on the connection, so an unanswered one is exactly "nothing
   * gets through". Above the event-loop stalls of a loaded gateway (about a second here; a late
   * tick judges nothing, below). 3 s before: with the clients' move and sync after it, a
   * partitioned gateway's traffic took 5-6 s to recover, past the 5 s bound.
   */
  silentCutOffMs?: number;
  /**
   * Disconnected (nats.js trying the servers in turn) for this long: cut off (default 6000 ms).
   * Longer than a NATS node's restart or a move to another node (0.5-3.5 s, measured in the
   * nats-node-kill and nats-full-restart faults), when every gateway is in the same boat and
   * sending clients away would only move them to another gateway as blind as this one.
   */
  disconnectedCutOffMs?: number;
  /** The gateway just became cut off: `silentMs` since the last answered PING. */
  onCutOff: (silentMs: number) => void;
  /** A PING was answered again, `silentMs` after the last answered one before the cut-off. */
  onRestored: (silentMs: number) => void;
  /**
   * Messages to this gateway may have been missed: nats.js disconnected or reconnected, or the
   * link was cut off or restored. Core NATS does not redeliver.
   */
  onGap?: () => void;
}

/**
 * Whether this gateway can reach NATS, judged by PING/PONG round trips rather than by the
 * connection's state alone: a partition (a dead link, a blackholed route) leaves the TCP
 * connection open and nats.js none the wiser until its own pings time out (2 x 10 s here),
 * while every publish and every delivery to this node waits in a socket buffer.
 *
 * A loaded gateway is not a partitioned one, and sending every client away under load only adds
 * thousands of reconnects and syncs to it (a rate sweep on a busy box lost all 6,540 connections
 * at once that way). So bytes arriving from NATS count as contact as well as a PONG does (a PING
 * queues behind everything the gateway publishes; deliveries keep arriving across a slow link,
 * never across a partition), and a tick that runs late because this process's own event loop
 * stalled judges nothing: the PONG may be waiting unread behind the stall. (The price: a link
 * that loses only what this gateway sends, while NATS still sends to it, is not seen as cut off;
 * its sends time out and are answered `unavailable`, and the clients try again.)
 */
export class NatsLinkWatch {
  private lastContact = Date.now();
  /** When the PING in flight went out (none: undefined). */
  private probeSentAt: number | undefined;
  private disconnected = false;
  private cutOffSince: number | undefined;
  private timer?: NodeJS.Timeout;
  /** The connection's received bytes at the last tick: more since then is contact. */
  private inBytes = 0;
  private lastTickAt = Date.now();

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: NatsLinkWatchOptions,
  ) {}

  /** Cut off now (and until a PING is answered again). */
  get cutOff(): boolean {
    return this.cutOffSince !== undefined;
  }

  start(): void {
    this.lastTickAt = Date.now();
    this.inBytes = this.nc.stats().inBytes;
    this.timer = setInterval(() => this.tick(), this.options.probeMs ?? 500);
    this.timer.unref();
    void (async () => {
      for await (const status of this.nc.status()) {
        if (status.type === 'disconnect') {
          this.disconnected = true;
          this.options.onGap?.();
        } else if (status.type === 'reconnect') {
          this.disconnected = false;
          this.options.onGap?.();
          // nats.js reconnects once the server answered its CONNECT and PING: that is contact.
          this.contact();
        }
      }
    })();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private tick(): void {
    const now = Date.now();
    const probeMs = this.options.probeMs ?? 500;
    const stalled = now - this.lastTickAt > 2 * probeMs;
    this.lastTickAt = now;
    const { inBytes } = this.nc.stats();
    if (inBytes > this.inBytes) {
      this.inBytes = inBytes;
      this.contact();
    }
    const silentCutOffMs = this.options.silentCutOffMs ?? 2000;
    // One PING at a time; another only once that one has waited past a cut-off (a PING nats.js
    // forgot, should it ever), so a blackholed link gets a handful, not two a second.
    const stale = this.probeSentAt !== undefined && now - this.probeSentAt > silentCutOffMs;
    if ((this.probeSentAt === undefined || stale) && !this.nc.isClosed()) {
      const sentAt = now;
      this.probeSentAt = sentAt;
      this.nc
        .flush()
        .then(() => this.contact())
        // Rejected when nats.js drops the connection (it then reconnects): the next tick asks again.
        .catch(() => undefined)
        .finally(() => {
          if (this.probeSentAt === sentAt) this.probeSentAt = undefined;
        });
    }
    const silentMs = now - this.lastContact;
    const limit = this.disconnected ? (this.options.disconnectedCutOffMs ?? 6000) : silentCutOffMs;
    if (this.cutOffSince === undefined && silentMs > limit && !stalled) {
      this.cutOffSince = now;
      this.options.onGap?.();
      this.options.onCutOff(silentMs);
    }
  }

  private contact(): void {
    const now = Date.now();
    const silentMs = now - this.lastContact;
    this.lastContact = now;
    if (this.cutOffSince === undefined) return;
    this.cutOffSince = undefined;
    this.options.onGap?.();
    this.options.onRestored(silentMs);
  }
}
