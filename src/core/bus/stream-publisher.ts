import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/nats-core';

/** What JetStream answers a stored publish with. */
export interface StreamAck {
  stream: string;
  seq: number;
  /** The stream already held a message with this msgID (inside its de-duplication window): nothing was stored. */
  duplicate: boolean;
}

/** Publishes to a JetStream stream and resolves once the stream has stored it. */
export interface StreamPublisher {
  publish(subject: string, payload: Uint8Array, options: { msgID: string; timeout?: number }): Promise<StreamAck>;
}

/** How often the publishes waiting for their ack are checked for their deadline. */
const SWEEP_MS = 100;

interface Waiting {
  resolve: (ack: StreamAck) => void;
  reject: (error: Error) => void;
  deadline: number;
}

/** Errors named as nats.js names them, so retryingPublishes (nats.ts) treats both alike. */
function namedError(name: 'TimeoutError' | 'JetStreamNotEnabled' | 'JetStreamApiError', message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

/**
 * A JetStream publish on one shared reply subscription: a core publish with a Nats-Msg-Id header
 * and a reply subject, the ack routed back by token, deadlines checked by one timer. nats.js's
 * js.publish() is a request: per publish a timer, two promises and up to three Error objects
 * (one built in every request's cancel(), used or not): ~10% of a gateway's CPU at 1,000
 * sends/s. The wire and the answers are the same: the stored ack, `duplicate`, a 503 while
 * the stream has no leader (JetStreamNotEnabled, as nats.js calls it) and the stream's refusals.
 */
export class JetStreamPublisher implements StreamPublisher {
  private readonly inbox = createInbox();
  private readonly waiting = new Map<string, Waiting>();
  private readonly sweeper: NodeJS.Timeout;
  private readonly answers: Subscription;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly defaultTimeoutMs = 5000,
  ) {
    this.answers = nc.subscribe(`${this.inbox}.*`, { callback: (_error, msg) => this.answer(msg) });
    this.sweeper = setInterval(() => this.expire(), SWEEP_MS);
    this.sweeper.unref();
  }

  publish(subject: string, payload: Uint8Array, options: { msgID: string; timeout?: number }): Promise<StreamAck> {
    const token = (this.next++).toString(36);
    const header = headers();
    header.set('Nats-Msg-Id', options.msgID);
    try {
      this.nc.publish(subject, payload, { reply: `${this.inbox}.${token}`, headers: header });
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return new Promise<StreamAck>((resolve, reject) => {
      this.waiting.set(token, { resolve, reject, deadline: Date.now() + (options.timeout ?? this.defaultTimeoutMs) });
    });
  }

  /** Stops the deadline timer and the reply subscription; publishes still waiting fail. */
  close(): void {
    clearInterval(this.sweeper);
    this.answers.unsubscribe();
    for (const waiting of this.waiting.values()) waiting.reject(namedError('TimeoutError', 'the publisher was closed'));
    this.waiting.clear();
  }

  private answer(msg: Msg): void {
    const token = msg.subject.slice(this.inbox.length + 1);
    const waiting = this.waiting.get(token);
    if (!waiting) return;
    this.waiting.delete(token);
    if (msg.headers?.hasError) {
      // 503: nobody answers on the subject (no stream, or it has no leader yet).
      waiting.reject(
        msg.headers.code === 503
          ? namedError('JetStreamNotEnabled', 'no stream answered (no responders)')
          : namedError('JetStreamApiError', `${msg.headers.code} ${msg.headers.description}`),
      );
      return;
    }
    let answer: { stream?: string; seq?: number; duplicate?: boolean; error?: { code: number; description: string } };
    try {
      answer = JSON.parse(msg.string()) as typeof answer;
    } catch {
      waiting.reject(namedError('JetStreamApiError', 'the stream answered something that is not JSON'));
      return;
    }
    if (answer.error)
      waiting.reject(namedError('JetStreamApiError', `${answer.error.description} (${answer.error.code})`));
    else waiting.resolve({ stream: answer.stream ?? '', seq: answer.seq ?? 0, duplicate: answer.duplicate === true });
  }

  private expire(): void {
    if (this.waiting.size === 0) return;
    const now = Date.now();
    for (const [token, waiting] of this.waiting) {
      if (waiting.deadline > now) continue;
      this.waiting.delete(token);
      waiting.reject(namedError('TimeoutError', 'timeout'));
    }
  }
}
