import Type, { type Static, type TSchema } from 'typebox';
import { ID_PATTERN_SOURCE } from './ids.js';
import { ROOMS_PAGE_DEFAULT, ROOMS_PAGE_MAX } from './limits.js';

/**
 * Frames a client sends, declared once. These schemas validate every inbound frame and
 * anchor docs/protocol.md (test/core/protocol/doc-drift.test.ts keeps the two in step).
 * Unknown extra fields are tolerated so that newer clients keep working.
 */
export const Id = Type.String({ pattern: ID_PATTERN_SOURCE, description: 'an id: ^[A-Za-z0-9_-]{1,64}$' });
export const RequestId = Type.String({
  minLength: 1,
  maxLength: 64,
  description: 'chosen by the client; echoed on every reply',
});
const Seq = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
/**
 * Free text that is stored (bodies, group names, push tokens): well-formed Unicode without
 * U+0000. Postgres text cannot hold NUL, and a lone surrogate would be stored as U+FFFD while
 * the live copy kept it; refused at the edge, neither can fail a fan-out commit later.
 */
export const TEXT_PATTERN_SOURCE = '^[^\\u0000\\ud800-\\udfff]*$';
function Text(options: { minLength?: number; maxLength?: number; description?: string } = {}) {
  return Type.String({ ...options, pattern: TEXT_PATTERN_SOURCE });
}

function request<K extends string, T extends Record<string, TSchema>>(type: K, fields: T) {
  return Type.Object({ type: Type.Literal(type), id: Type.Optional(RequestId), ...fields });
}

export const HelloFrame = Type.Object({
  type: Type.Literal('hello'),
  token: Type.String({
    minLength: 1,
    maxLength: 8192,
    description: 'a JWT: sub = user id, device = device id, exp required',
  }),
});
export const PingFrame = request('ping', {});
export const SendFrame = request('send', {
  room: Id,
  clientMsgId: Id,
  body: Text({ description: 'UTF-8 text, at most maxBodyChars characters, no U+0000' }),
});
export const HistoryFrame = request('history', {
  room: Id,
  before: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
});
export const SyncFrame = request('sync', {
  since: Type.Optional(
    Type.Record(Type.String({ pattern: ID_PATTERN_SOURCE }), Seq, {
      maxProperties: 10_000,
      additionalProperties: false,
      description: 'room id -> the last seq this device has',
    }),
  ),
});
export const ReadFrame = request('read', { room: Id, seq: Seq });
export const RoomCreateFrame = request('room.create', {
  kind: Type.Union([Type.Literal('direct'), Type.Literal('group')]),
  name: Type.Optional(Text({ maxLength: 200 })),
  members: Type.Array(Id, { maxItems: 10_000 }),
});
export const RoomMembersAddFrame = request('room.members.add', {
  room: Id,
  users: Type.Array(Id, { minItems: 1, maxItems: 10_000 }),
});
export const RoomMembersRemoveFrame = request('room.members.remove', {
  room: Id,
  users: Type.Array(Id, { minItems: 1, maxItems: 10_000 }),
});
export const RoomsListFrame = request('rooms.list', {
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: ROOMS_PAGE_MAX, description: `rooms per page, default ${ROOMS_PAGE_DEFAULT}` }),
  ),
  after: Type.Optional(Type.String({ pattern: ID_PATTERN_SOURCE, description: "the previous page's `next`" })),
});
export const UserBlockFrame = request('user.block', { user: Id });
export const UserUnblockFrame = request('user.unblock', { user: Id });
export const BlocksListFrame = request('blocks.list', {});
export const TypingFrame = request('typing', {
  room: Id,
  state: Type.Union([Type.Literal('start'), Type.Literal('stop')]),
});
export const PresenceQueryFrame = request('presence.query', { users: Type.Array(Id, { maxItems: 1000 }) });
export const PushRegisterFrame = request('push.register', {
  platform: Type.Union([Type.Literal('apns'), Type.Literal('fcm')]),
  token: Text({ minLength: 1, maxLength: 4096 }),
  preview: Type.Optional(Type.Boolean()),
});
export const PushUnregisterFrame = request('push.unregister', {});

/** Every client frame by its `type`. */
export const CLIENT_FRAMES = {
  hello: HelloFrame,
  ping: PingFrame,
  send: SendFrame,
  history: HistoryFrame,
  sync: SyncFrame,
  read: ReadFrame,
  'room.create': RoomCreateFrame,
  'room.members.add': RoomMembersAddFrame,
  'room.members.remove': RoomMembersRemoveFrame,
  'rooms.list': RoomsListFrame,
  'user.block': UserBlockFrame,
  'user.unblock': UserUnblockFrame,
  'blocks.list': BlocksListFrame,
  typing: TypingFrame,
  'presence.query': PresenceQueryFrame,
  'push.register': PushRegisterFrame,
  'push.unregister': PushUnregisterFrame,
} as const;

export type ClientFrameType = keyof typeof CLIENT_FRAMES;
export type ClientFrameOf<K extends ClientFrameType> = Static<(typeof CLIENT_FRAMES)[K]>;
export type ClientFrame = { [K in ClientFrameType]: ClientFrameOf<K> }[ClientFrameType];
/** Frames that may follow hello. */
export type ClientRequest = Exclude<ClientFrame, ClientFrameOf<'hello'>>;
