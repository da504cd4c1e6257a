/** Error codes of protocol v1, each with when it is sent (docs/protocol.md lists the same). */
export const ERROR_CODES = {
  bad_frame:
    'not JSON, unknown type, missing or ill-typed field, an id that breaks the id pattern, or blocking oneself (more than BAD_FRAME_BURST in a row close the connection: 4400)',
  unauthorized:
    'the hello token is missing, malformed, expired or wrongly signed (the connection then closes with 4401)',
  forbidden:
    'the user may not do this: not a member of the room, not its owner, or (direct room.create) the other user blocked the requester',
  not_found: 'the room does not exist',
  too_large:
    'a body over maxBodyChars, a group over maxGroupMembers, a requester (or the other user of a direct room) already in maxRoomsPerUser rooms, more than 1000 blocks, or (then close 4413) more frames than allowed between hello and welcome',
  rate_limited:
    'the connection sends faster than its send rate or its frame budget (then without id: the frames were dropped unread), the user adds users to rooms faster than its room add rate, has too many requests pending, or (at hello) the user holds too many connections or devices, or (long-poll session creation, HTTP 429) the client address has too many connections waiting for hello; retryAfterMs says when to try again',
  conflict:
    'the clientMsgId was already used by this user for a different room, or (push.register) the push token is registered to another user',
  unavailable:
    'the cluster cannot serve this now (a dependency is down, or the feature is not enabled); try again later',
  internal: 'a server bug; the request may not have been applied',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** WebSocket close codes the server uses. */
export const CLOSE_CODES = {
  /** Normal closure (clients use it when they leave). */
  normal: 1000,
  /** A frame that breaks RFC 6455 (unmasked, reserved opcode or bit); sent by ws itself. */
  protocolError: 1002,
  /** A text frame that is not valid UTF-8; sent by ws itself. */
  invalidPayload: 1007,
  /** A frame larger than maxFrameBytes (set by ws itself through maxPayload). */
  tooLarge: 1009,
  /** Server error. */
  internalError: 1011,
  /** The client does not read its frames: more than 8 MiB waited in the server's send buffer. */
  slowConsumer: 1013,
  /** Planned restart: a `goaway` frame preceded it; reconnect after reconnectInMs with jitter. */
  serviceRestart: 1012,
  /** No valid hello in time, or a bad token. */
  unauthorized: 4401,
  /** The client did not answer pings within the presence timeout. */
  timeout: 4408,
  /** After hello and before welcome the client sent more than it may (100 frames or 8 x maxFrameBytes bytes; `too_large` first). */
  earlyOverflow: 4413,
  /** More bad frames than BAD_FRAME_BURST in a row (`bad_frame` first): the client is broken or hostile. */
  badFrames: 4400,
  /** The user holds too many connections on this gateway, or too many devices online (`rate_limited` first). */
  overLimit: 4429,
} as const;

/** Thrown by request handlers to answer with an error frame; the connection stays open. */
export class ProtocolError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ProtocolError';
  }
}
