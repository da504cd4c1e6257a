import type { ClientFrame, ClientFrameOf, ClientFrameType, ServerFrame, ServerFrameOf } from '../protocol/index.js';

/** A frame the server sends, discriminated by `type`. */
export type InboundFrame = ServerFrame;

/** The server frame of one type. */
export type InboundOf<K extends InboundFrame['type']> = ServerFrameOf<K>;

/** `{type:"error"}` with its code typed. */
export type ErrorReply = ServerFrameOf<'error'>;

/** A frame the client sends, discriminated by `type`. */
export type OutboundFrame = ClientFrame;

/** The client frame of one type. */
export type OutboundOf<K extends ClientFrameType> = ClientFrameOf<K>;

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
  'user.block': 'ok';
  'user.unblock': 'ok';
  'blocks.list': 'blocks';
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
  'user.block': 'ok',
  'user.unblock': 'ok',
  'blocks.list': 'blocks',
  typing: 'ok',
  'presence.query': 'presence',
  'push.register': 'ok',
  'push.unregister': 'ok',
};
