import {
  AckPolicy,
  DeliverPolicy,
  type ConsumerMessages,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
} from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { decodeJson, type SendEnvelope } from '../../core/bus/envelopes.js';
import { isNotFound, resumingConsume } from '../../core/bus/nats.js';
import type { Subjects } from '../../core/bus/subjects.js';
import type { PresenceReveal } from '../../core/presence/presence-events.js';
import type { Message } from '../../core/protocol/server-frames.js';
import type { DirectReply, Outgoing } from '../../core/routing/deliverer.js';
import type { BatchPublisher, Routes } from './batch-publisher.js';
import { preciseNow, type HopTimers } from '../../core/observability/message-hops.js';
import type { FanoutTrace, RecentTraces } from '../../core/observability/recent-traces.js';
import type { FanoutMetrics } from './fanout-metrics.js';
import type { PushEnqueuer } from './push-enqueuer.js';
import { isDataError, type BatchCommitter } from './commit-coalescer.js';
import { FencedError, type Fence, type SendResult } from './room-sequencer.js';

export interface PartitionWorkerDeps {
  subjects: Subjects;
  jsm: JetStreamManager;
  js: JetStreamClient;
  /** Commits batches (shared by the worker's partitions: CommitCoalescer). */
  committer: BatchCommitter;
  /** Delivers and caches committed batches (shared by the worker's partitions). */
  publisher: BatchPublisher;
  metrics: FanoutMetrics;
  hops: HopTimers;
  traces: RecentTraces<FanoutTrace>;
  pushes: PushEnqueuer;
  log: Logger;
  owner: string;
  /** Most sends committed in one transaction (default 500). */
  maxBatch?: number;
  /** Most sends pulled and waiting for their commit (default twice maxBatch): past it, no pull. */
  maxPending?: number;
  /** Called when the worker finds it was fenced off its partition. */
  onFenced: (partition: number) => void;
}

/** When a send reached the send stream and this worker. */
interface SendTiming {
  storedAt: number;
  pulledAt: number;
}

interface BatchTiming {
  timing: SendTiming[];
  commitStartedAt: number;
  committedAt: number;
}

/**
 * Consumes one send partition in stream order and turns sends into committed, delivered
 * messages. Sends that arrive while a commit runs form the next batch, so batches grow with
 * load and latency stays one commit deep. A batch that fails to commit is retried, never
 * skipped: the JetStream messages are acked only after commit and delivery. After its commit a
 * batch retries only what failed (its NATS publish); Redis that does not answer costs the
 * routes (BatchPublisher delivers to every gateway), never the ack.
 *
 * What it holds is bounded: it stops pulling while a batch retries and while `maxPending` sends
 * wait (nats.js sends the consumer's next pull request only as the loop in pump() takes the
 * messages of the last one, so the rest waits in JetStream, durable). JetStream redelivers what
 * stays unacked past the ack wait (a Postgres outage); those copies are dropped by stream sequence.
 *
 * Over 400 lines: pull, batch, commit, deliver and settle of one partition, whose retry, fencing
 * and ack rules are about the order between them.
 */
export class PartitionWorker {
  private messages?: ConsumerMessages;
  private readonly pending: JsMsg[] = [];
  /** When each pending message was pulled (epoch ms), index for index. */
  private readonly pulledAt: number[] = [];
  /**
   * Highest stream sequence pulled. The consumer delivers first deliveries in stream order, so a
   * message at or below it is a redelivered copy of one this worker took.
   */
  private pulledThrough = 0;
  /** Every send this worker pulled up to this stream sequence is acked (batches settle in order). */
  private settledThrough = 0;
  /** A batch is failing (its commit or its publish) and retrying: nothing more is pulled meanwhile. */
  private retrying = false;
  /** Resumes pump() when it waits for room (pending below maxPending, no batch retrying). */
  private resumePulling?: () => void;
  private draining?: Promise<void>;
  private stopped = false;
  /** Push jobs and acks of delivered batches, in batch order. */
  private settling: Promise<void> = Promise.resolve();

  constructor(
    readonly partition: number,
    private readonly epoch: number,
    private readonly deps: PartitionWorkerDeps,
  ) {}

  async start(): Promise<void> {
    const { jsm, js, subjects } = this.deps;
    const stream = subjects.sendStream;
    const name = subjects.consumer(this.partition, this.epoch);
    // A fresh consumer starts at the oldest unacked send, so nothing a dead owner had in flight
    // is redelivered out of order behind newer sends; the commit is idempotent for the replays.
    // The earlier owners' consumers go first: a work queue allows one consumer per subject.
    for await (const info of jsm.consumers.list(stream)) {
      if (!subjects.isConsumerOf(info.name, this.partition)) continue;
      await jsm.consumers.delete(stream, info.name).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
    await jsm.consumers.add(stream, {
      durable_name: name,
      filter_subject: subjects.send(this.partition),
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 60_000_000_000,
      max_ack_pending: 20_000,
    });
    const consumer = await js.consumers.get(stream, name);
    // Bound, with short pulls and fast idle heartbeats (resumingConsume): a pull the server
    // dropped, under load or across a NATS restart, is replaced within about a second instead of
    // stalling the partition until the pull expires (5 s stalls were seen under load).
    this.messages = await consumer.consume(resumingConsume(2000));
    // The lease may have lapsed while the consumer was being made (stop() ran meanwhile).
    if (this.stopped) {
      await this.messages.close().catch(() => {});
      return;
    }
    void this.pump(this.messages);
  }

  private async pump(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const message of messages) {
        if (this.stopped) break;
        if (!this.isFirstCopy(message)) continue;
        this.pending.push(message);
        this.pulledAt.push(preciseNow());
        this.draining ??= this.drain();
        // Not taking the next message holds back the next pull request (nats.js sends it from this loop).
        if (this.mustWait()) await new Promise<void>((resolve) => (this.resumePulling = resolve));
      }
    } catch (error) {
      if (!this.stopped) this.deps.log.error({ err: error, partition: this.partition }, 'send consumer failed');
    }
  }

  /**
   * False for a redelivered copy of a send this worker took (JetStream redelivers what is unacked
   * past the ack wait, while its batch still retries or settles): queued again, it would be
   * committed and delivered a second time. A copy of a send already acked is acked again (the
   * first ack may have been lost) and otherwise dropped; a copy of one still in hand is dropped,
   * its first copy will be acked.
   */
  private isFirstCopy(message: JsMsg): boolean {
    const seq = message.seq;
    if (seq > this.pulledThrough) {
      this.pulledThrough = seq;
      return true;
    }
    if (seq <= this.settledThrough) message.ack();
    return false;
  }

  private get maxPending(): number {
    return this.deps.maxPending ?? 2 * (this.deps.maxBatch ?? 500);
  }

  private mustWait(): boolean {
    return !this.stopped && (this.retrying || this.pending.length >= this.maxPending);
  }

  /** Lets pump() pull again once there is room. */
  private wakePump(): void {
    if (!this.resumePulling || this.mustWait()) return;
    const resume = this.resumePulling;
    this.resumePulling = undefined;
    resume();
  }

  /** A batch started or stopped failing: pulling stops while it retries. */
  private setRetrying(retrying: boolean): void {
    this.retrying = retrying;
    this.wakePump();
  }

  /**
   * Commits what is pending, batch after batch, until nothing is. `draining` is cleared in the
   * same synchronous step that finds `pending` empty: cleared a microtask later (a .finally on
   * the caller's side), a message pushed in between found a drain still "running" and sat
   * in `pending` until the partition's next message came along.
   */
  private async drain(): Promise<void> {
    const maxBatch = this.deps.maxBatch ?? 500;
    try {
      while (this.pending.length > 0 && !this.stopped) {
        const batch = this.pending.splice(0, maxBatch);
        const pulledAt = this.pulledAt.splice(0, maxBatch);
        this.wakePump();
        await this.process(batch, pulledAt);
      }
    } finally {
      this.draining = undefined;
    }
  }

  private async process(batch: JsMsg[], pulledAt: number[]): Promise<void> {
    const { log } = this.deps;
    const sends: SendEnvelope[] = [];
    const valid: JsMsg[] = [];
    const timing: SendTiming[] = [];
    for (const [index, message] of batch.entries()) {
      try {
        sends.push(decodeJson<SendEnvelope>(message.data));
        valid.push(message);
        timing.push({ storedAt: message.info.timestampNanos / 1e6, pulledAt: pulledAt[index]! });
      } catch {
        log.error({ partition: this.partition, streamSeq: message.seq }, 'dropping undecodable send');
        message.term();
      }
    }
    if (sends.length === 0) return;
    const commitStartedAt = preciseNow();
    const results = await this.commitUntilDone(sends);
    if (!results) return;
    const committedAt = preciseNow();
    const routes = await this.deliverUntilDone(sends, results, { timing, commitStartedAt, committedAt });
    if (this.stopped) return;
    this.settle(valid, results, routes, batch[batch.length - 1]!.seq);
  }

  /**
   * The batch's results once committed; undefined when the worker stopped or was fenced (the batch
   * stays unacked for the partition's next owner). Anything else is retried with backoff, never
   * skipped, and nothing more is pulled meanwhile.
   */
  private async commitUntilDone(sends: SendEnvelope[]): Promise<SendResult[] | undefined> {
    const { metrics, log } = this.deps;
    const fence: Fence = { partition: this.partition, owner: this.deps.owner, epoch: this.epoch };
    for (let attempt = 1; !this.stopped; attempt++) {
      const started = preciseNow();
      try {
        const results = await this.commitIsolatingBadSends(sends, fence);
        metrics.commitSeconds.observe((preciseNow() - started) / 1000);
        metrics.batchSize.observe(sends.length);
        this.setRetrying(false);
        return results;
      } catch (error) {
        if (error instanceof FencedError) {
          log.warn({ partition: this.partition }, 'lost the partition lease to another worker; stopping');
          // Not stop(): it waits for the drain this very call runs in, which would then never end
          // (and neither would anything awaiting stop(), such as onFenced's stopWorker). The drain
          // ends as this returns; the batch stays unacked for the partition's new owner.
          void this.halt();
          this.deps.onFenced(this.partition);
          return undefined;
        }
        this.setRetrying(true);
        metrics.commitFailures.inc();
        const delay = backoff(attempt);
        log.error(
          { err: error, partition: this.partition, attempt, retryInMs: delay },
          'commit failed; retrying the batch',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return undefined;
  }

  /**
   * Delivers a committed batch, retrying only the delivery: committing again would only replay it.
   * The publisher fails only when NATS refuses the publish (a closed connection); Redis out of
   * reach it rides out by itself. Returns the routes looked up (undefined: none could be read).
   */
  private async deliverUntilDone(
    sends: SendEnvelope[],
    results: SendResult[],
    times: BatchTiming,
  ): Promise<Routes | undefined> {
    for (let attempt = 1; !this.stopped; attempt++) {
      try {
        const routes = await this.publish(sends, results, times);
        this.setRetrying(false);
        return routes;
      } catch (error) {
        this.setRetrying(true);
        const delay = backoff(attempt);
        this.deps.log.error(
          { err: error, partition: this.partition, attempt, retryInMs: delay },
          'delivering a committed batch failed; retrying the delivery',
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    return undefined;
  }

  /**
   * Commits a batch; when Postgres refuses the data of a send (isDataError), halves the batch
   * until that send stands alone and answers it with an error, so one bad send is refused instead
   * of stalling its partition behind a batch retried forever. Halves commit in order, so the
   * room order of the good sends holds.
   */
  private async commitIsolatingBadSends(sends: SendEnvelope[], fence: Fence): Promise<SendResult[]> {
    try {
      return await this.deps.committer.commit(sends, fence);
    } catch (error) {
      if (!isDataError(error)) throw error;
      if (sends.length === 1) {
        const send = sends[0]!;
        this.deps.log.error(
          {
            err: error,
            partition: this.partition,
            room: send.room,
            sender: send.sender,
            clientMsgId: send.clientMsgId,
          },
          'Postgres refused a send; answering it with an error',
        );
        // Postgres's own text stays in the log above: it can name tables, columns and values.
        return [
          {
            kind: 'rejected',
            code: 'bad_frame',
            message: 'the message could not be stored: the database refused its content',
          },
        ];
      }
      const half = Math.ceil(sends.length / 2);
      const first = await this.commitIsolatingBadSends(sends.slice(0, half), fence);
      return [...first, ...(await this.commitIsolatingBadSends(sends.slice(half), fence))];
    }
  }

  /**
   * Push jobs and the JetStream acks of a delivered batch, off the commit path: the next batch
   * commits while this one's push decisions are queued. The sends are acked only once their push
   * jobs are durable; a failure is retried here, and a worker that dies first leaves the sends
   * unacked, so the next owner replays them (push jobs are de-duplicated).
   */
  private settle(messages: JsMsg[], results: SendResult[], routes: Routes | undefined, lastSeq: number): void {
    const committed = results.filter((r): r is Extract<SendResult, { kind: 'committed' }> => r.kind === 'committed');
    const work = async () => {
      for (let attempt = 1; !this.stopped; attempt++) {
        try {
          await this.deps.pushes.enqueue(committed, routes);
          // One ack per send: a work-queue stream refuses AckPolicy.All consumers (nats-server 2.9).
          for (const message of messages) message.ack();
          this.settledThrough = Math.max(this.settledThrough, lastSeq);
          return;
        } catch (error) {
          const delay = backoff(attempt);
          this.deps.log.warn(
            { err: error, partition: this.partition, attempt, retryInMs: delay },
            'queueing push jobs failed; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    };
    this.settling = this.settling.then(work);
  }

  private async publish(sends: SendEnvelope[], results: SendResult[], times: BatchTiming): Promise<Routes | undefined> {
    const { metrics } = this.deps;
    const outgoing: Outgoing[] = [];
    const replies: DirectReply[] = [];
    const fresh: Message[] = [];
    const reveals: PresenceReveal[] = [];
    const delivered = new Set<string>();
    const now = Date.now();
    results.forEach((result, index) => {
      const send = sends[index]!;
      const { node, conn, requestId } = send.reply;
      if (result.kind === 'rejected') {
        metrics.rejected.inc({ code: result.code });
        replies.push({
          node,
          conn,
          clientMsgId: send.clientMsgId,
          frame: JSON.stringify({ type: 'error', id: requestId, code: result.code, message: result.message }),
        });
        return;
      }
      const { message } = result;
      const key = `${message.room}/${message.seq}`;
      if (!delivered.has(key)) {
        // Replays are delivered again too: the worker that committed them may have died before delivering.
        delivered.add(key);
        // Not to the sending connection: its ack makes the message there (the protocol lets it
        // skip its own msg), one socket write fewer per message.
        outgoing.push({
          users: result.members,
          frame: JSON.stringify({ type: 'msg', message }),
          msgId: message.msgId,
          exceptConn: conn,
        });
      }
      if (!result.replay) {
        fresh.push(message);
        if (result.revealedTo) reveals.push({ user: message.sender, to: result.revealedTo });
        metrics.committed.inc();
        metrics.lagSeconds.observe(Math.max(0, now - send.receivedAt) / 1000);
      }
      replies.push({
        node,
        conn,
        receivedAt: send.receivedAt,
        msgId: message.msgId,
        clientMsgId: send.clientMsgId,
        frame: JSON.stringify({
          type: 'ack',
          id: requestId,
          room: message.room,
          clientMsgId: message.clientMsgId,
          msgId: message.msgId,
          seq: message.seq,
          ts: message.ts,
        }),
      });
    });
    // Routes decide pushes only: none is needed when no member but the sender registered a device.
    const needsRoutes = results.some(
      (r) => r.kind === 'committed' && r.registrations.some((registration) => registration.user !== r.message.sender),
    );
    const { routes, publishedAt } = await this.deps.publisher.publish({
      outgoing,
      replies,
      fresh,
      reveals,
      needsRoutes,
    });
    this.recordHops(sends, results, times, publishedAt);
    return routes;
  }

  /** Each fresh message's hops through this worker, as histograms and in its trace. */
  private recordHops(sends: SendEnvelope[], results: SendResult[], times: BatchTiming, publishedAt: number): void {
    const { hops, traces } = this.deps;
    const { commitStartedAt, committedAt } = times;
    results.forEach((result, index) => {
      if (result.kind !== 'committed' || result.replay) return;
      const send = sends[index]!;
      const { storedAt, pulledAt } = times.timing[index]!;
      hops.pull.observe(Math.max(0, pulledAt - storedAt) / 1000);
      hops.queue.observe(Math.max(0, commitStartedAt - pulledAt) / 1000);
      hops.commit.observe((committedAt - commitStartedAt) / 1000);
      hops.route.observe((publishedAt - committedAt) / 1000);
      const { message } = result;
      traces.set(message.msgId, {
        room: message.room,
        seq: message.seq,
        sender: send.sender,
        senderDevice: send.senderDevice,
        receivedAt: send.receivedAt,
        storedAt,
        pulledAt,
        commitStartedAt,
        committedAt,
        publishedAt,
        batchSends: sends.length,
      });
    });
  }

  async stop(): Promise<void> {
    await this.halt();
    await this.draining;
    await this.settling;
  }

  /** Takes no more messages and commits nothing more (a drain in progress ends after its batch). */
  private async halt(): Promise<void> {
    this.stopped = true;
    this.resumePulling?.();
    this.resumePulling = undefined;
    await this.messages?.close().catch(() => {});
  }
}

/**
 * The pause before a failed commit is tried again: 100 ms doubling to at most 1 s, with jitter.
 * A second at most, because each second of it after the database is back is a second of the
 * recovery (5 s before: a 5 s Postgres outage then took 9 s to recover); 16 partitions trying
 * once a second is nothing to a database coming back.
 */
function backoff(attempt: number): number {
  const ceiling = Math.min(1000, 50 * 2 ** Math.min(attempt, 5));
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
