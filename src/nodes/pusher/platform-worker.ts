import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager, type JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { decodeJson } from '../../core/bus/envelopes.js';
import { isNotFound, resumingConsume } from '../../core/bus/nats.js';
import type { Subjects } from '../../core/bus/subjects.js';
import type { PushJob } from '../../core/push/push-job.js';
import type { PushStore } from '../../core/storage/push-store.js';
import { renderNotification, type RoomLabel } from './notification-template.js';
import { distinctMessages, PushCollapser, type CollapsedPush } from './push-collapser.js';
import type { PusherMetrics } from './pusher-metrics.js';
import type { PushProvider } from './providers/index.js';
import { retryDelayMs } from './retry-schedule.js';

export interface PlatformWorkerDeps {
  provider: PushProvider;
  subjects: Subjects;
  jsm: JetStreamManager;
  js: JetStreamClient;
  pushStore: PushStore;
  roomLabel: (room: string) => Promise<RoomLabel>;
  metrics: PusherMetrics;
  log: Logger;
  /** Jobs of one device and room within this window become one notification (default 1000 ms). */
  collapseWindowMs: number;
  /** Notifications in flight at once per platform (default 32). */
  concurrency?: number;
}

/**
 * Sends one platform's push jobs. It has its own durable consumer, so an outage of one
 * provider never holds up the other. Jobs are acked only once the provider took the
 * notification (or reported the token dead, or refused the payload for good); a throttled or
 * failing provider gets the jobs back later (nak with a backoff delay) and pauses this worker,
 * so a provider that is down keeps every job and the queue drains when it returns.
 */
export class PlatformWorker {
  private messages?: ConsumerMessages;
  private readonly collapser: PushCollapser<JsMsg>;
  private timer?: NodeJS.Timeout;
  private pausedUntil = 0;
  private failures = 0;
  private flushing?: Promise<void>;
  private stopped = false;
  /** Jobs received and not yet acked or handed back, so a stop can hand them all back at once. */
  private readonly unsettled = new Set<JsMsg>();

  constructor(private readonly deps: PlatformWorkerDeps) {
    this.collapser = new PushCollapser(deps.collapseWindowMs);
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
      // Longer than a collapse window plus a provider timeout (1 s + 10 s). A job that a stopped or
      // crashed pusher held, or that was redelivered to a pull request it left behind, comes back
      // after it.
      ack_wait: 20_000_000_000,
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
    this.messages = await consumer.consume(resumingConsume(500));
    void this.pump(this.messages);
  }

  /** Jobs waiting in the queue for this platform. */
  async queueDepth(): Promise<number> {
    const info = await this.deps.jsm.consumers.info(this.deps.subjects.pushStream, this.consumerName);
    return info.num_pending + info.num_ack_pending;
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        if (this.stopped) break;
        let job: PushJob;
        try {
          job = decodeJson<PushJob>(message.data);
        } catch {
          this.deps.log.error({ platform: this.platform }, 'dropping an undecodable push job');
          message.term();
          continue;
        }
        this.unsettled.add(message);
        this.collapser.add(job, message, Date.now());
        this.schedule();
      }
    } catch (error) {
      if (!this.stopped) this.deps.log.error({ err: error, platform: this.platform }, 'push consumer failed');
    }
  }

  private ack(handles: JsMsg[]): void {
    for (const handle of handles) {
      this.unsettled.delete(handle);
      handle.ack();
    }
  }

  private handBack(handles: JsMsg[], delayMs?: number): void {
    for (const handle of handles) {
      this.unsettled.delete(handle);
      handle.nak(delayMs);
    }
  }

  private schedule(): void {
    if (this.timer || this.stopped) return;
    const next = this.collapser.nextDueAt();
    if (next === undefined) return;
    const at = Math.max(next, this.pausedUntil);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flushing ??= this.flush().finally(() => {
        this.flushing = undefined;
        this.schedule();
      });
    }, Math.max(0, at - Date.now()));
  }

  private async flush(): Promise<void> {
    const due = this.collapser.takeDue(Date.now());
    // Several notifications in flight at once (HTTP/2 multiplexes them on one connection).
    const next = async (): Promise<void> => {
      for (let group = due.shift(); group; group = due.shift()) {
        if (this.stopped) return;
        if (Date.now() < this.pausedUntil) {
          // The provider is resting: hand the jobs back for later instead of sending.
          this.handBack(group.handles, this.pausedUntil - Date.now());
          continue;
        }
        await this.send(group);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.deps.concurrency ?? 32, due.length) }, next));
  }

  private async send(group: CollapsedPush<JsMsg>): Promise<void> {
    const { provider, metrics, log, pushStore } = this.deps;
    const platform = this.platform;
    const messages = distinctMessages(group.jobs);
    const newest = messages.at(-1)!;
    let outcome;
    try {
      const label = await this.deps.roomLabel(newest.room);
      const { title, body } = renderNotification(group.jobs, label);
      const badge = await pushStore.unreadTotal(newest.user);
      outcome = await provider.send({ token: newest.token, title, body, badge, room: newest.room, collapseId: newest.room, threadId: newest.room });
    } catch (error) {
      outcome = { kind: 'retry' as const, reason: (error as Error).message };
    }
    switch (outcome.kind) {
      case 'sent':
        this.failures = 0;
        metrics.sent.inc({ platform });
        metrics.collapsed.inc({ platform }, messages.length - 1);
        metrics.providerSeconds.observe({ platform }, outcome.latencyMs / 1000);
        this.ack(group.handles);
        return;
      case 'dead-token':
        await pushStore.removeDeadToken(platform, newest.token).catch(() => {});
        metrics.deadTokens.inc({ platform });
        log.info({ platform, user: newest.user, device: newest.device, reason: outcome.reason }, 'removed a dead push token');
        this.ack(group.handles);
        return;
      case 'rejected':
        metrics.failed.inc({ platform, reason: outcome.reason });
        log.warn({ platform, user: newest.user, device: newest.device, reason: outcome.reason }, 'provider refused a notification for good');
        this.ack(group.handles);
        return;
      case 'retry': {
        // Concurrent sends failing together are one failure of the provider, not many: escalate the
        // pause only for a failure that starts a new one, so the backlog drains soon after recovery.
        const now = Date.now();
        if (now >= this.pausedUntil) {
          this.failures++;
          this.pausedUntil = now + retryDelayMs(this.failures, outcome.retryAfterMs);
          log.warn({ platform, reason: outcome.reason, pauseMs: this.pausedUntil - now, failures: this.failures }, 'provider unavailable; pausing and keeping the jobs');
        }
        const delay = Math.max(outcome.retryAfterMs ?? 0, this.pausedUntil - now);
        metrics.retried.inc({ platform });
        this.handBack(group.handles, delay);
        return;
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.messages?.close().catch(() => {});
    await this.flushing;
    // Everything received and not settled (collapsing, or still in the consumer's buffer) goes
    // back to the queue now, rather than after the ack wait, for the next pusher.
    this.collapser.takeDue(Number.POSITIVE_INFINITY);
    this.handBack([...this.unsettled]);
    await this.deps.provider.close().catch(() => {});
  }
}
