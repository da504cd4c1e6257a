/**
 * What roles send each other over NATS. Frames for clients travel pre-serialized, so a
 * gateway writes them to sockets without parsing or re-encoding them.
 */

/** Gateway -> fan-out, on the send stream (JetStream). */
export interface SendEnvelope {
  room: string;
  clientMsgId: string;
  body: string;
  sender: string;
  senderDevice: string;
  /** Where the ack goes: the gateway node, its connection, and the client's request id. */
  reply: { node: string; conn: string; requestId?: string };
  /** Gateway receive time (epoch ms, fractional), for the lag metric and the message's hops. */
  receivedAt: number;
}

/** Frames for every connection of these users on the node. */
export interface Delivery {
  users: string[];
  frame: string;
  /**
   * A room's member list changed: gateways refresh their membership cache for these users.
   * `version` is the room's members_version after the change (the cache keeps the newest).
   */
  membership?: { room: string; members: string[]; version: number };
  /** A connection that already got this frame as a reply. */
  exceptConn?: string;
  /** The message a `msg` frame carries, for its trace. */
  msgId?: string;
}

/** A frame for one connection (acks and errors of a send). */
export interface ConnectionReply {
  conn: string;
  frame: string;
  /** For acks: when the gateway received the send (ms), for the ack latency metric. */
  receivedAt?: number;
  /** For acks: the message acked, for its trace. */
  msgId?: string;
  /** For the answers to sends (ack or error): whose answer it is (the gateway's OverdueAcks). */
  clientMsgId?: string;
}

/** Anything -> one gateway node (core NATS). */
export interface NodeEnvelope {
  deliveries: Delivery[];
  replies: ConnectionReply[];
  /** When it was published (epoch ms, fractional): the gateway times the write hop from it. */
  publishedAt?: number;
}

export function encodeJson(value: unknown): Uint8Array {
  return Buffer.from(JSON.stringify(value));
}

export function decodeJson<T>(data: Uint8Array): T {
  return JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8')) as T;
}
