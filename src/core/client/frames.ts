import type {
  ClientFrameOf,
  ClientFrameType,
  ErrorCode,
  ServerFrameOf,
  ServerFrameType,
} from '../protocol/index.js';

/**
 * A typed view of the protocol frames for the client.
 *
 * Why this file exists: the shared schemas build most frames through helpers that take
 * `type: string`, so their static types carry `type: string` (the union cannot be narrowed
 * by `type`) and the error frame's `code` comes out as `never`. The schemas themselves are
 * right at run time and validate every frame; this file only restores the literal types
 * so the client can branch on a discriminated union. It becomes a plain re-export once
 * src/core/protocol keeps the literals.
 */
type WithType<F, K extends string> = Omit<F, 'type'> & { type: K };

/** A frame the server sends, discriminated by `type`. */
export type InboundFrame = {
  [K in Exclude<ServerFrameType, 'error'>]: WithType<ServerFrameOf<K>, K>;
}[Exclude<ServerFrameType, 'error'>] | ErrorReply;

/** The server frame of one type. */
export type InboundOf<K extends InboundFrame['type']> = Extract<InboundFrame, { type: K }>;

/** `{type:"error"}` with its code typed. */
export type ErrorReply = WithType<Omit<ServerFrameOf<'error'>, 'code'>, 'error'> & { code: ErrorCode };

/** A frame the client sends, discriminated by `type`. */
export type OutboundFrame = { [K in ClientFrameType]: WithType<ClientFrameOf<K>, K> }[ClientFrameType];

/** The client frame of one type. */
export type OutboundOf<K extends ClientFrameType> = Extract<OutboundFrame, { type: K }>;

/** What each request is answered with when it succeeds (an `error` frame otherwise). */
export interface ReplyTypes {
  ping: 'pong';
  send: 'ack';
  history: 'history';
  read: 'ok';
  'room.create': 'room';
  'room.members.add': 'room';
  'room.members.remove': 'room';
  'rooms.list': 'rooms';
  typing: 'ok';
  'presence.query': 'presence';
  'push.register': 'ok';
  'push.unregister': 'ok';
}

/** Requests that `ChatClient.request` can make (sync is a stream the client runs itself). */
export type RequestType = keyof ReplyTypes;

/** A request as the caller writes it: the client assigns the `id`. */
export type RequestFrame<K extends RequestType = RequestType> = K extends RequestType
  ? Omit<OutboundOf<K>, 'id'>
  : never;

/** The successful reply to a request of type K. */
export type ReplyTo<K extends RequestType> = InboundOf<ReplyTypes[K]>;

export const REPLY_TYPES: ReplyTypes = {
  ping: 'pong',
  send: 'ack',
  history: 'history',
  read: 'ok',
  'room.create': 'room',
  'room.members.add': 'room',
  'room.members.remove': 'room',
  'rooms.list': 'rooms',
  typing: 'ok',
  'presence.query': 'presence',
  'push.register': 'ok',
  'push.unregister': 'ok',
};
