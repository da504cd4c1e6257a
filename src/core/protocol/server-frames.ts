import Type, { type Static, type TSchema } from 'typebox';
import { ERROR_CODES, type ErrorCode } from './errors.js';
import { Id, RequestId } from './client-frames.js';

/** Frames the server sends, declared once (the client library and docs/protocol.md rely on them). */
const Seq = Type.Integer({ minimum: 0 });
const Ms = Type.Integer({ minimum: 0, description: 'milliseconds since the epoch' });

export const Message = Type.Object({
  room: Id,
  seq: Type.Integer({ minimum: 1, description: "the room's sequence number: 1, 2, 3, ... with no gaps" }),
  msgId: Type.String(),
  sender: Id,
  senderDevice: Id,
  clientMsgId: Id,
  body: Type.String(),
  ts: Ms,
});
export type Message = Static<typeof Message>;

export const Room = Type.Object({
  id: Id,
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  name: Type.String(),
  members: Type.Array(Id),
  owner: Id,
  lastSeq: Seq,
  readSeq: Type.Integer({ minimum: 0, description: "the receiving user's read position" }),
  unread: Type.Integer({ minimum: 0, description: "messages from others above the receiving user's read position" }),
  truncated: Type.Optional(
    Type.Boolean({ description: 'only in sync.done: the room had more missed messages than the sync cap' }),
  ),
});
export type Room = Static<typeof Room>;

function reply<K extends string, T extends Record<string, TSchema>>(type: K, fields: T) {
  return Type.Object({ type: Type.Literal(type), id: Type.Optional(RequestId), ...fields });
}

export const WelcomeFrame = Type.Object({
  type: Type.Literal('welcome'),
  user: Id,
  device: Id,
  heartbeatMs: Type.Integer({ minimum: 1 }),
  limits: Type.Object({
    maxFrameBytes: Type.Integer(),
    maxBodyChars: Type.Integer(),
    maxGroupMembers: Type.Integer(),
  }),
});
export const PongFrame = reply('pong', {});
export const OkFrame = reply('ok', {});
export const ErrorFrame = reply('error', {
  code: Type.Enum(Object.keys(ERROR_CODES) as ErrorCode[]),
  message: Type.String(),
  retryAfterMs: Type.Optional(Type.Integer({ minimum: 0 })),
});
export const AckFrame = reply('ack', {
  room: Id,
  clientMsgId: Id,
  msgId: Type.String(),
  seq: Type.Integer({ minimum: 1 }),
  ts: Ms,
});
export const MsgFrame = Type.Object({ type: Type.Literal('msg'), message: Message });
export const HistoryReplyFrame = reply('history', { room: Id, messages: Type.Array(Message), hasMore: Type.Boolean() });
export const SyncBatchFrame = reply('sync.batch', { messages: Type.Array(Message) });
export const SyncDoneFrame = reply('sync.done', {
  rooms: Type.Array(Room),
  hasMore: Type.Optional(
    Type.Boolean({ description: 'the sync stopped at its page cap: sync again with the new since for the rest' }),
  ),
});
export const RefusedMember = Type.Object({
  user: Id,
  reason: Type.Union([Type.Literal('blocked'), Type.Literal('too_many_rooms')], {
    description: 'blocked: the user blocked the requester; too_many_rooms: the user is in maxRoomsPerUser rooms',
  }),
});
export type RefusedMember = Static<typeof RefusedMember>;
export const RoomFrame = reply('room', {
  room: Room,
  refused: Type.Optional(
    Type.Array(RefusedMember, { description: 'only on the reply to room.create / room.members.add: users not added' }),
  ),
});
export const RoomsFrame = reply('rooms', {
  rooms: Type.Array(Room),
  next: Type.Optional(Type.String({ description: 'present when more rooms follow: send it as `after`' })),
});
export const BlocksFrame = reply('blocks', { users: Type.Array(Id) });
export const ReadEventFrame = Type.Object({ type: Type.Literal('read'), room: Id, user: Id, seq: Seq });
export const TypingEventFrame = Type.Object({
  type: Type.Literal('typing'),
  room: Id,
  user: Id,
  state: Type.Union([Type.Literal('start'), Type.Literal('stop')]),
  ttlMs: Type.Integer({ minimum: 0 }),
});
export const PresenceFrame = reply('presence', {
  users: Type.Array(
    Type.Object({
      user: Id,
      status: Type.Union([Type.Literal('online'), Type.Literal('offline')]),
      lastSeen: Type.Union([Ms, Type.Null()]),
    }),
  ),
});
export const GoawayFrame = Type.Object({ type: Type.Literal('goaway'), reconnectInMs: Type.Integer({ minimum: 0 }) });

export const SERVER_FRAMES = {
  welcome: WelcomeFrame,
  pong: PongFrame,
  ok: OkFrame,
  error: ErrorFrame,
  ack: AckFrame,
  msg: MsgFrame,
  history: HistoryReplyFrame,
  'sync.batch': SyncBatchFrame,
  'sync.done': SyncDoneFrame,
  room: RoomFrame,
  rooms: RoomsFrame,
  blocks: BlocksFrame,
  read: ReadEventFrame,
  typing: TypingEventFrame,
  presence: PresenceFrame,
  goaway: GoawayFrame,
} as const;

export type ServerFrameType = keyof typeof SERVER_FRAMES;
export type ServerFrameOf<K extends ServerFrameType> = Static<(typeof SERVER_FRAMES)[K]>;
export type ServerFrame = { [K in ServerFrameType]: ServerFrameOf<K> }[ServerFrameType];

/**
 * A frame as a request handler answers it: any server frame without its `id`, which the gateway
 * sets from the request (a distributive Omit, so each frame keeps its own fields).
 */
export type ReplyFrame = ServerFrame extends infer Frame ? (Frame extends unknown ? Omit<Frame, 'id'> : never) : never;
