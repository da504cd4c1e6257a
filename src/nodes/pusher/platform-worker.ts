import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { Counter, Histogram } from 'prom-client';
import { decodeJson } from '../../core/bus/envelopes.js';
import { isNotFound, resumingConsume } from '../../core/bus/nats.js';
import type { Subjects } from '../../core/bus/subjects.js';
import type { PushJob } from '../../core/push/push-job.js';
import type { PushStore } from '../../core/storage/push-store.js';
import { renderNotification, type RoomLabel } from './notification-template.js';
import { distinctMessages, PushCollapser, ReadyQueue, type CollapsedPush } from './push-collapser.js';
import type { PusherMetrics } from './pusher-metrics.js';
import type { PushProvider } from './providers/index.js';
import { ProviderBackoff } from './retry-schedule.js';
import { DEFAULT_PUSH_CONCURRENCY } from '../../core/push/push-concurrency.js';

export interface PlatformWorkerDeps {
  provider: PushProvider;
  subjects: Subjects;
  jsm: JetStreamManager;
  js: JetStreamClient;
  pushStore: PushStore;
  roomLabel: (room: string) => Promise<RoomLabel>;
  /** The user's badge at send time (a BadgeReader batches these). */
  badgeOf: (user: string) => Promise<number>;
  metrics: PusherMetrics;
  log: Logger;
  /** Jobs of one device and room within this window become one notification (default 1000 ms). */
  collapseWindowMs: number;
  /** Notifications in flight at once per platform (default DEFAULT_PUSH_CONCURRENCY). */
  concurrency?: number;
}

/** JetStream's ack wait for push jobs: longer than a collapse window plus a provider timeout (1 s + 10 s). */
const ACK_WAIT_MS = 20_000;

/** Shortest timer between dispatches: groups falling due meanwhile go out together (at most this late). */
const DISPATCH_TICK_MS = 5;

/**
 * Sends one platform's push jobs. It has its own durable consumer, so an outage of one
 * provider never holds up the other. Jobs are acked only once the provider took the
 * notification (or reported the token dead, or refused the payload for good). While the provider
 * fails (throttled, errors, down) the worker rests and then probes it with one notification at a
 * time, holding the other jobs unacked (and telling JetStream it is still working on them, so they
 * are not redelivered meanwhile): a provider that is down keeps every job, and the queue drains as
 * soon as a probe goes through.
 */
export class PlatformWorker {
  private messages?: ConsumerMessages;
  private readonly collapser: PushCollapser<JsMsg>;
  /** Groups whose window closed, waiting for a send slot (or for the provider to be back). */
  private readonly ready = new ReadyQueue<JsMsg>();
  private readonly backoff = new ProviderBackoff();
  private readonly concurrency: number;
  private timer?: NodeJS.Timeout;
  private timerAt = Number.POSITIVE_INFINITY;
  private keepAlive?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  private stopped = false;
  /**
   * Jobs received and not yet acked or handed back (when JetStream last heard of each), so a stop
   * can hand them all back at once and long-held ones can be kept from redelivery.
   */
  private readonly unsettled = new Map<JsMsg, number>();
  /** This platform's series, looked up once (prom-client hashes the labels on every call otherwise). */
  private readonly series: {
    sent: Counter.Internal;
    collapsed: Counter.Internal;
    retried: Counter.Internal;
    deadTokens: Counter.Internal;
    providerSeconds: Histogram.Internal<string>;
  };

  constructor(private readonly deps: PlatformWorkerDeps) {
    this.collapser = new PushCollapser(deps.collapseWindowMs);
    this.concurrency = deps.concurrency ?? DEFAULT_PUSH_CONCURRENCY;
    const { metrics } = deps;
    const platform = deps.provider.platform;
    this.series = {
      sent: metrics.sent.labels({ platform }),
      collapsed: metrics.collapsed.labels({ platform }),
      retried: metrics.retried.labels({ platform }),
      deadTokens: metrics.deadTokens.labels({ platform }),
      providerSeconds: metrics.providerSeconds.labels({ platform }),
    };
  }

  get platform(): 'apns' | 'fcm' {
    return this.deps.provider.platform;
  }

  private get consumerName(): string {
    return `pusher-${this.platform}`;
  }

  async start(): Promise<void> {
    const { jsm, js, subjects } = this.deps;
    const settings = {
      // A job that a stopped or crashed pusher held, or that was redelivered to a pull request it
      // left behind, comes back after it.
      ack_wait: ACK_WAIT_MS * 1_000_000,
      max_ack_pending: 10_000,
    };
    try {
      await jsm.consumers.info(subjects.pushStream, this.consumerName);
      await jsm.consumers.update(subjects.pushStream, this.consumerName, settings);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await jsm.consumers.add(subjects.pushStream, {
        durable_name: this.consumerName,
        filter_subject: subjects.push(this.platform),
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        ...settings,
      });
    }
    const consumer = await js.consumers.get(subjects.pushStream, this.consumerName);
    // Short pull requests, so one left behind by a stopped pusher lingers briefly on the server;
    // pulling again at once after NATS comes back (resumingConsume says why).
    // A callback rather than an async iterator: one promise less per job.
    this.messages = await consumer.consume({ ...resumingConsume(500), callback: (message) => this.receive(message) });
    this.keepAlive = setInterval(() => this.extendHeld(), ACK_WAIT_MS / 4);
    void this.messages.closed().then((error) => {
      if (error && !this.stopped) this.deps.log.error({ err: error, platform: this.platform }, 'push consumer failed');
    });
  }

  /** Jobs waiting in the queue for this platform. */
  async queueDepth(): Promise<number> {
    const info = await this.deps.jsm.consumers.info(this.deps.subjects.pushStream, this.consumerName);
    return info.num_pending + info.num_ack_pending;
  }

  private receive(message: JsMsg): void {
    if (this.stopped) {
      message.nak(); // back to the queue at once, for the next pusher
      return;
    }
    let job: PushJob;
    try {
      job = decodeJson<PushJob>(message.data);
    } catch {
      this.deps.log.error({ platform: this.platform }, 'dropping an undecodable push job');
      message.term();
      return;
    }
    const now = Date.now();
    this.unsettled.set(message, now);
    this.collapser.add(job, message, now);
    this.wakeAt(now + this.deps.collapseWindowMs);
  }

  private ack(handles: JsMsg[]): void {
    for (const handle of handles) {
      this.unsettled.delete(handle);
      handle.ack();
    }
  }

  /**
   * Jobs held longer than half the ack wait (collapsing, waiting for a slot or for the provider)
   * get a "working" signal, which restarts JetStream's ack timer: held jobs are not redelivered
   * (and then sent twice) however long the provider is down, and a crashed pusher's come back
   * within one ack wait.
   */
  private extendHeld(): void {
    const now = Date.now();
    for (const [handle, heardAt] of this.unsettled) {
      if (now - heardAt < ACK_WAIT_MS / 2) continue;
      handle.working();
      this.unsettled.set(handle, now);
    }
  }

  /** Dispatches no later than `at` (a timer for the earliest moment anything is due). */
  private wakeAt(at: number): void {
    if (this.stopped || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.dispatch();
      },
      Math.max(DISPATCH_TICK_MS, at - Date.now()),
    );
  }

  /**
   * Moves the groups whose window closed to the ready queue and starts sends up to what the
   * provider's state allows (all slots when up, one probe after a failure, none while resting);
   * called again by the timer and whenever a send finishes, so slots never wait for a batch.
   */
  private dispatch(): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const group of this.collapser.takeDue(now)) this.ready.push(group);
    const allowance = this.backoff.allowance(now, this.concurrency);
    while (this.inFlight.size < allowance && this.ready.size > 0) {
      const group = this.ready.shift()!;
      const sending: Promise<void> = this.send(group).finally(() => {
        this.inFlight.delete(sending);
        this.dispatch();
      });
      this.inFlight.add(sending);
    }
    const nextDue = this.collapser.nextDueAt();
    if (nextDue !== undefined) this.wakeAt(nextDue);
    const restingUntil = this.backoff.restingUntilAt(now);
    if (restingUntil !== undefined && this.ready.size > 0) this.wakeAt(restingUntil);
  }

  private async send(group: CollapsedPush<JsMsg>): Promise<void> {
    const { provider, metrics, log, pushStore } = this.deps;
    const { series } = this;
    const platform = this.platform;
    const messages = distinctMessages(group.jobs);
    const newest = messages.at(-1)!;
    let outcome;
    try {
      const label = await this.deps.roomLabel(newest.room);
      const { title, body } = renderNotification(group.jobs, label);
      const badge = await this.deps.badgeOf(newest.user);
      outcome = await provider.send({
        token: newest.token,
        title,
        body,
        badge,
        room: newest.room,
        collapseId: newest.room,
        threadId: newest.room,
      });
    } catch (error) {
      outcome = { kind: 'retry' as const, reason: (error as Error).message };
    }
    if (this.stopped && outcome.kind === 'retry') return; // stop() hands the jobs back
    switch (outcome.kind) {
      case 'sent':
        this.backoff.answered();
        series.sent.inc();
        if (messages.length > 1) series.collapsed.inc(messages.length - 1);
        series.providerSeconds.observe(outcome.latencyMs / 1000);
        this.ack(group.handles);
        return;
      case 'dead-token':
        this.backoff.answered();
        await pushStore.removeDeadToken(platform, newest.token).catch(() => {});
        series.deadTokens.inc();
        log.info(
          { platform, user: newest.user, device: newest.device, reason: outcome.reason },
          'removed a dead push token',
        );
        this.ack(group.handles);
        return;
      case 'rejected':
        this.backoff.answered();
        metrics.failed.inc({ platform, reason: outcome.reason });
        log.warn(
          { platform, user: newest.user, device: newest.device, reason: outcome.reason },
          'provider refused a notification for good',
        );
        this.ack(group.handles);
        return;
      case 'retry': {
        const { pauseMs, escalated } = this.backoff.failed(Date.now(), outcome.retryAfterMs);
        if (escalated) {
          log.warn(
            { platform, reason: outcome.reason, pauseMs, failures: this.backoff.failureCount },
            'provider unavailable; pausing and keeping the jobs',
          );
        }
        series.retried.inc();
        // Kept here (unacked) for the probe after the pause, ahead of the groups not yet tried.
        this.ready.putBack(group);
        return;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.keepAlive);
    await this.messages?.close().catch(() => {});
    await Promise.all(this.inFlight);
    // Everything received and not settled (collapsing, waiting for the provider, or still in the
    // consumer's buffer) goes back to the queue now, rather than after the ack wait, for the next pusher.
    for (const handle of this.unsettled.keys()) handle.nak();
    this.unsettled.clear();
    await this.deps.provider.close().catch(() => {});
  }
}
