/**
 * The HTTP long-poll transport of protocol v1 (docs/protocol.md, "Long-poll transport"): the
 * same frames as the WebSocket, carried in JSON bodies. Shared by the gateway and the client.
 */

/** Creates a session (POST) and closes one (DELETE ?session=). */
export const LONG_POLL_SESSIONS_PATH = '/v1/sessions';
/** GET ?session=&cursor=[&wait=]: the server frames after `cursor`, held until there are some. */
export const LONG_POLL_POLL_PATH = '/v1/poll';
/** POST ?session=: a JSON array of client frames, handled in order. */
export const LONG_POLL_FRAMES_PATH = '/v1/frames';

/** Default longest hold of a poll, in ms (CHAT_POLL_TIMEOUT_MS). */
export const DEFAULT_POLL_TIMEOUT_MS = 25_000;
/** Most client frames in one POST /v1/frames. */
export const LONG_POLL_MAX_FRAMES_PER_POST = 100;
/** Most bytes of frames in one poll answer; the rest waits for the next poll. */
export const LONG_POLL_MAX_ANSWER_BYTES = 1024 * 1024;

/** The answer to a poll (and, with `session` and `pollTimeoutMs`, to session creation). */
export interface PollResponse {
  /** The number of the last frame in `frames`; send it as the next poll's `cursor`. */
  cursor: number;
  /** Server frames, oldest first, exactly as the WebSocket would carry them. */
  frames: Array<Record<string, unknown>>;
  /** Set when the session is closed; `frames` holds its last frames. The WebSocket close code and reason. */
  closed?: { code: number; reason: string };
}

export interface SessionCreated extends PollResponse {
  session: string;
  /** The longest time this gateway holds a poll, in ms. */
  pollTimeoutMs: number;
}

/** Most bytes of one POST /v1/frames body: a full batch of the largest frames allowed. */
export function maxFramesBodyBytes(maxFrameBytes: number): number {
  return Math.max(maxFrameBytes * 8, 64 * 1024);
}
