/**
 * What one role saw of the newest messages it handled, by message id: `chat-node trace <msgId>`
 * asks every node for its part. Bounded (oldest forgotten first), so it costs a fixed amount of
 * memory and a map insert per message.
 */
export class RecentTraces<T> {
  private readonly records = new Map<string, T>();

  constructor(readonly capacity = 20_000) {}

  set(msgId: string, record: T): void {
    if (!this.records.has(msgId) && this.records.size >= this.capacity) {
      const oldest = this.records.keys().next();
      if (!oldest.done) this.records.delete(oldest.value);
    }
    this.records.set(msgId, record);
  }

  get(msgId: string): T | undefined {
    return this.records.get(msgId);
  }

  get size(): number {
    return this.records.size;
  }
}

/** The fan-out's part of a message's trace: every time is epoch ms (fractional). */
export interface FanoutTrace {
  room: string;
  seq: number;
  sender: string;
  senderDevice: string;
  /** Received at the gateway (the send's own stamp). */
  receivedAt: number;
  /** Stored in the send stream (JetStream's timestamp of the stream message). */
  storedAt: number;
  pulledAt: number;
  commitStartedAt: number;
  committedAt: number;
  publishedAt: number;
  /** Sends of its partition batch (committed together). */
  batchSends: number;
}

/** A gateway's part: each frame of the message it wrote to a socket. */
export interface GatewayWrite {
  frame: 'msg' | 'ack';
  user: string;
  device: string;
  conn: string;
  /** When the fan-out published it for delivery. */
  publishedAt: number;
  writtenAt: number;
}

/** What a node answers on GET /trace?msg=<id>. */
export interface NodeTrace {
  node: string;
  role: string;
  fanout?: FanoutTrace;
  writes?: GatewayWrite[];
}

/** One role's trace records, as a node serves them (from another thread: asynchronously). */
export interface TraceSource {
  node: string;
  role: string;
  find(
    msgId: string,
  ): Omit<NodeTrace, 'node' | 'role'> | undefined | Promise<Omit<NodeTrace, 'node' | 'role'> | undefined>;
}
