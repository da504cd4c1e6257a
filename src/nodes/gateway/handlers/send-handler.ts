import type { StreamAck } from '../../../core/bus/stream-publisher.js';
import type { SendEnvelope } from '../../../core/bus/envelopes.js';
import { preciseNow } from '../../../core/observability/message-hops.js';
import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import { ProtocolError } from '../../../core/protocol/errors.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';
import { requireMember, type MembershipContext } from './membership.js';
import { PublishLanes } from './publish-lanes.js';

export type SendContext = MembershipContext &
  Pick<GatewayContext, 'config' | 'sends' | 'messages' | 'overdueAcks' | 'hops' | 'metrics' | 'log'>;

/** How long a resend that JetStream de-duplicated may wait for the original's commit. */
const DUPLICATE_COMMIT_WAIT_MS = 10_000;

/**
 * How many times a send stored on the stream but left unanswered (OverdueAcks) is published
 * again before its client is told `unavailable` (and resends it itself).
 */
const OVERDUE_REPUBLISHES = 3;

/**
 * Checks a send and puts it on the send stream, in the order the connection sent it. The ack
 * comes later, from the fan-out, once the message is committed. Checks that may need I/O run
 * in a per-connection chain (RequestDispatcher) so that a slow check never lets a later send
 * overtake it; publishes run in a lane per connection and room (PublishLanes) so that a
 * retried publish never lets one either.
 */
export class SendHandler {
  private readonly lanes = new PublishLanes();

  constructor(private readonly ctx: SendContext) {}

  /**
   * Runs the checks and queues the publish behind the connection's earlier ones to the room;
   * returns then, so the next send's checks need not wait for the stream (the PubAck settles later).
   */
  async handle(scope: RequestScope, frame: ClientFrameOf<'send'>, receivedAt: number): Promise<void> {
    const { config } = this.ctx;
    const { session } = scope;
    if (frame.body.length > config.limits.maxBodyChars) {
      throw new ProtocolError(
        'too_large',
        `body has ${frame.body.length} characters; the limit is ${config.limits.maxBodyChars}`,
      );
    }
    await requireMember(this.ctx, session.user, frame.room);
    const envelope: SendEnvelope = {
      room: frame.room,
      clientMsgId: frame.clientMsgId,
      body: frame.body,
      sender: session.user,
      senderDevice: session.device,
      reply:
        scope.requestId === undefined
          ? { node: config.nodeId, conn: session.connId }
          : { node: config.nodeId, conn: session.connId, requestId: scope.requestId },
      receivedAt,
    };
    const publish = (): Promise<StreamAck> => this.ctx.sends.publish(envelope);
    void this.lanes.enqueue(session, frame.room, publish).then(
      (ack) => {
        this.ctx.hops.publish.observe((preciseNow() - receivedAt) / 1000);
        return this.afterPublish(scope, frame, ack, publish, 0);
      },
      (error: unknown) => this.publishFailed(scope, error),
    );
  }

  private publishFailed(scope: RequestScope, error: unknown): void {
    this.ctx.log.warn({ err: error }, 'send stream publish failed');
    // retryAfterMs: the bus is back within seconds as a rule; without it clients back off to 10 s.
    scope.reply({
      type: 'error',
      code: 'unavailable',
      message: 'the message could not be queued; send it again with the same clientMsgId',
      retryAfterMs: 1000,
    });
  }

  /**
   * Stored on the stream: the fan-out answers (ack or error) once it is committed. Should that
   * answer be lost (core NATS, across a NATS restart), the send is published again: JetStream
   * de-duplicates it while the first copy waits (answered below from Postgres once committed),
   * or stores it anew if the stream lost it.
   */
  private watchAnswer(
    scope: RequestScope,
    frame: ClientFrameOf<'send'>,
    publish: () => Promise<StreamAck>,
    republished: number,
  ): void {
    const { session } = scope;
    this.ctx.overdueAcks.watch(session.connId, frame.clientMsgId, () => {
      if (scope.signal.aborted) return;
      if (republished >= OVERDUE_REPUBLISHES) {
        scope.reply({
          type: 'error',
          code: 'unavailable',
          message: 'no answer from the cluster for this message; send it again with the same clientMsgId',
          retryAfterMs: 1000,
        });
        return;
      }
      this.ctx.log.warn(
        { user: session.user, device: session.device, clientMsgId: frame.clientMsgId, republished },
        'no answer for a stored send: publishing it again',
      );
      this.ctx.metrics.sendsRepublished.inc();
      void this.lanes.enqueue(session, frame.room, publish).then(
        (ack) => this.afterPublish(scope, frame, ack, publish, republished + 1),
        (error: unknown) => this.publishFailed(scope, error),
      );
    });
  }

  /**
   * JetStream drops a resend inside its de-duplication window, so the fan-out never sees it:
   * answer it here with the first send's ack, once that one is committed.
   */
  private async afterPublish(
    scope: RequestScope,
    frame: ClientFrameOf<'send'>,
    ack: StreamAck,
    publish: () => Promise<StreamAck>,
    republished: number,
  ): Promise<void> {
    if (!ack.duplicate) {
      this.watchAnswer(scope, frame, publish, republished);
      return;
    }
    const deadline = Date.now() + DUPLICATE_COMMIT_WAIT_MS;
    for (let delay = 10; Date.now() < deadline; delay = Math.min(delay * 2, 500)) {
      const record = await this.ctx.messages
        .findClientMsg(scope.session.user, frame.clientMsgId)
        .catch(() => undefined);
      if (record) {
        if (record.room !== frame.room) {
          scope.reply({
            type: 'error',
            code: 'conflict',
            message: `clientMsgId ${frame.clientMsgId} was already used for room ${record.room}`,
          });
        } else {
          scope.reply({
            type: 'ack',
            room: record.room,
            clientMsgId: frame.clientMsgId,
            msgId: record.msgId,
            seq: record.seq,
            ts: record.ts,
          });
          this.ctx.metrics.acks.inc();
        }
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
    scope.reply({
      type: 'error',
      code: 'unavailable',
      message: 'the first send with this clientMsgId is still in flight; send it again later',
    });
  }
}
