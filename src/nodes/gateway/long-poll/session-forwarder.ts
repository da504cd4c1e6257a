import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import type { DeviceIdentity } from '../../../core/auth/jwt.js';
import { decodeJson, encodeJson } from '../../../core/bus/envelopes.js';
import { HttpRefusal } from './http-io.js';
import { refusalAnswer, type LongPollSessions, type OpAnswer, type SessionOp } from './long-poll-sessions.js';

interface Forwarded {
  op: SessionOp;
  /** Verified by the process that took the HTTP request. */
  identity: DeviceIdentity;
}

/** Beyond a poll's own wait: time for the owner to answer before the request counts as lost. */
const FORWARD_MARGIN_MS = 5000;
/**
 * Frame bytes of a forwarded poll answer: the reply must fit a NATS message (1 MiB by default);
 * the rest comes with the next poll. (A single larger frame still goes alone.)
 */
const FORWARDED_ANSWER_BYTES = 512 * 1024;

/** A reply is the status, a newline, and the body as is: no second JSON escaping of the frames. */
function encodeAnswer(answer: OpAnswer): Uint8Array {
  return Buffer.from(`${answer.status}\n${answer.body}`);
}

function decodeAnswer(data: Uint8Array): OpAnswer {
  const text = Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  const newline = text.indexOf('\n');
  return { status: Number(text.slice(0, newline)), body: text.slice(newline + 1) };
}

/**
 * Long-poll requests that reach a gateway process other than the one holding their session
 * (`gateway --workers N` shares one port with no affinity; a load balancer may spread them too)
 * are forwarded to the holder by NATS request/reply, on one subject per gateway process. The
 * token was checked where the request arrived; the holder checks the session is the device's.
 */
export class SessionForwarder {
  private subscription?: Subscription;

  constructor(
    private readonly nc: NatsConnection,
    private readonly namespace: string,
    private readonly log: Logger,
  ) {}

  private subjectOf(nodeId: string): string {
    return `${this.namespace}.longpoll.${nodeId}`;
  }

  /** Answers the forwarded operations on the sessions this process holds. */
  serve(nodeId: string, sessions: LongPollSessions): void {
    this.subscription = this.nc.subscribe(this.subjectOf(nodeId), {
      callback: (error, message) => {
        if (error) return;
        let forwarded: Forwarded;
        try {
          forwarded = decodeJson<Forwarded>(message.data);
        } catch {
          return;
        }
        const { op, identity } = forwarded;
        // The asking process keeps no link to its client's socket here: a held poll ends by its wait.
        void sessions
          .execute(op, identity, new AbortController().signal)
          .catch((failure: unknown) => {
            this.log.error({ err: failure }, 'forwarded long-poll request failed');
            return refusalAnswer(new HttpRefusal('internal', 'internal error'));
          })
          .then((answer) => {
            try {
              message.respond(encodeAnswer(answer));
            } catch (failure) {
              // Over the NATS payload limit (one frame larger than a message may be): say so, small.
              this.log.warn(
                { err: failure, bytes: answer.body.length },
                'forwarded long-poll answer could not be sent',
              );
              message.respond(
                encodeAnswer(
                  refusalAnswer(
                    new HttpRefusal('internal', 'the answer is too large to forward between gateway processes'),
                  ),
                ),
              );
            }
          });
      },
    });
  }

  /** Runs `op` on the process `owner`; a holder that does not answer is 404, as a session that is gone. */
  async forward(owner: string, op: SessionOp, identity: DeviceIdentity): Promise<OpAnswer> {
    const timeout = (op.kind === 'poll' ? op.waitMs : 0) + FORWARD_MARGIN_MS;
    const sent: SessionOp =
      op.kind === 'poll'
        ? { ...op, maxBytes: Math.min(op.maxBytes ?? FORWARDED_ANSWER_BYTES, FORWARDED_ANSWER_BYTES) }
        : op;
    try {
      const reply = await this.nc.request(
        this.subjectOf(owner),
        encodeJson({ op: sent, identity } satisfies Forwarded),
        { timeout },
      );
      return decodeAnswer(reply.data);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (/no responders|503/i.test(message)) {
        return refusalAnswer(
          new HttpRefusal(
            'not_found',
            `no session ${op.session.slice(0, 100)}: its gateway process is gone; create another`,
          ),
        );
      }
      return refusalAnswer(
        new HttpRefusal('unavailable', `the gateway process holding the session did not answer (${message}); retry`),
      );
    }
  }

  stop(): void {
    this.subscription?.unsubscribe();
  }
}
