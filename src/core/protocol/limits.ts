/** Protocol limits and their defaults; docs/protocol.md states the same numbers. */
export interface ProtocolLimits {
  /** Largest inbound WebSocket frame in bytes; larger ones close the connection with 1009. */
  maxFrameBytes: number;
  /** Longest message body in characters (UTF-16 code units, as JavaScript counts). */
  maxBodyChars: number;
  /** Most members a group may have, owner included. */
  maxGroupMembers: number;
}

export const DEFAULT_LIMITS: ProtocolLimits = {
  maxFrameBytes: 16 * 1024,
  maxBodyChars: 4000,
  maxGroupMembers: 100,
};

/**
 * Default time a new connection has, from TCP accept, to complete the HTTP upgrade and send
 * its hello (CHAT_HELLO_TIMEOUT_MS): a slow or silent client (slowloris) is cut after it.
 */
export const HELLO_TIMEOUT_MS = 10_000;
/** Default most connections of one user on one gateway process (CHAT_MAX_CONNECTIONS_PER_USER). */
export const DEFAULT_MAX_CONNECTIONS_PER_USER = 32;
/** Default most devices of one user online at once across the cluster (CHAT_MAX_DEVICES_PER_USER). */
export const DEFAULT_MAX_DEVICES_PER_USER = 16;
/**
 * Default most WebSocket connections of one client address (IPv6: its /64) upgraded but without
 * hello yet, per gateway process (CHAT_MAX_PENDING_PER_IP; 0 = no cap). Why this generous:
 * src/nodes/gateway/pending-handshakes.ts.
 */
export const DEFAULT_MAX_PENDING_PER_IP = 1000;
/**
 * Default most requests (other than send and ping) of one user running at once on a gateway
 * process, whose Postgres pool holds 10 connections; 32 times as many more may wait (CHAT_MAX_INFLIGHT_REQUESTS).
 */
export const DEFAULT_MAX_INFLIGHT_REQUESTS = 8;
/**
 * Frames of every kind one connection may send after welcome: FRAME_RATE_PER_SEC sustained,
 * FRAME_BURST at once (at least twice the send rate and burst, so that sends meet their own
 * limit first). Frames beyond it are dropped unread. Sized well above the project's client:
 * its biggest burst is a reconnect's resend of up to 1000 unacked sends (sendQueueLimit) plus
 * the sync, presence queries and gap fills.
 */
export const FRAME_RATE_PER_SEC = 100;
export const FRAME_BURST = 2000;
/**
 * Bad frames (failing validation, binary, a second hello) a connection may send in a row; the
 * allowance grows back by one every BAD_FRAME_REFILL_MS. One more closes the connection (4400).
 */
export const BAD_FRAME_BURST = 10;
export const BAD_FRAME_REFILL_MS = 10_000;
/**
 * Default users one user may add to rooms (room.create, room.members.add; a create adding nobody
 * counts 1) per second per gateway process, sustained (CHAT_ROOM_ADD_RATE), and at once
 * (CHAT_ROOM_ADD_BURST): far above what a person or the simulator's room setup does, far below
 * what floods a victim's room list.
 */
export const DEFAULT_ROOM_ADD_RATE = 10;
export const DEFAULT_ROOM_ADD_BURST = 1000;
/** Default most rooms one user is a member of (CHAT_MAX_ROOMS_PER_USER). */
export const DEFAULT_MAX_ROOMS_PER_USER = 10_000;
/** Most users one user may block. */
export const MAX_BLOCKS_PER_USER = 1000;
/** Default and largest `limit` of a rooms.list page. */
export const ROOMS_PAGE_DEFAULT = 100;
export const ROOMS_PAGE_MAX = 500;
/** Default and largest `limit` of a history request. */
export const HISTORY_DEFAULT_LIMIT = 50;
export const HISTORY_MAX_LIMIT = 100;
/** Most messages per room one sync returns; beyond it the room is marked truncated. */
export const SYNC_ROOM_CAP = 1000;
/**
 * Most messages one sync answers (a page), over all rooms; past it, sync.done says hasMore and the
 * client syncs again from where it got to. Bounds what one request reads and writes: a user with
 * many busy rooms once made one sync read and send up to 1000 messages of each.
 */
export const SYNC_PAGE_CAP = 2000;
/** Messages per sync.batch frame. */
export const SYNC_BATCH_SIZE = 100;
/** The WebSocket subprotocol of v1. */
export const SUBPROTOCOL = 'chat.v1';
/** Path of the WebSocket endpoint. */
export const WS_PATH = '/v1/ws';
