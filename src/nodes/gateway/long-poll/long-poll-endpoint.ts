import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { InvalidTokenError, type DeviceIdentity, type TokenVerifier } from '../../../core/auth/jwt.js';
import {
  LONG_POLL_FRAMES_PATH,
  LONG_POLL_MAX_FRAMES_PER_POST,
  LONG_POLL_POLL_PATH,
  LONG_POLL_SESSIONS_PATH,
  maxFramesBodyBytes,
} from '../../../core/protocol/long-poll.js';
import { ProtocolError } from '../../../core/protocol/errors.js';
import type { GatewayContext } from '../gateway-context.js';
import { GatewaySession, type SessionHooks } from '../gateway-session.js';
import { CorsPolicy } from './cors-policy.js';
import { HttpRefusal, bearerToken, readBody, sendJson, sendRefusal } from './http-io.js';
import { LongPollSink, type PollAnswer } from './long-poll-sink.js';
import { CursorError } from './poll-outbox.js';

export interface LongPollSettings {
  /** Longest hold of a poll, in ms (CHAT_POLL_TIMEOUT_MS, default 25000). */
  pollTimeoutMs: number;
  /** Browser origins allowed by CORS; `*` for any (CHAT_CORS_ORIGINS, default none). */
  corsOrigins: readonly string[];
  /** How long a closed session still answers polls with its last frames and close code (ms). */
  lingerMs: number;
}

export interface LongPollDeps {
  ctx: GatewayContext;
  verifier: TokenVerifier;
  hooks: SessionHooks;
  log: Logger;
  settings: LongPollSettings;
  nextConnId(): string;
  /** True while the gateway drains: no new sessions. */
  draining(): boolean;
}

interface Held {
  sink: LongPollSink;
  session: GatewaySession;
}

const PATHS = new Set([LONG_POLL_SESSIONS_PATH, LONG_POLL_POLL_PATH, LONG_POLL_FRAMES_PATH]);

/**
 * Protocol v1 over HTTP long-polling, on the gateway's port, for clients that cannot keep a
 * WebSocket open: create a session with the device token, POST client frames, GET server
 * frames with a cursor. Each session is a GatewaySession over a LongPollSink, so handlers,
 * delivery, presence and limits are the WebSocket's. Every request carries the token again.
 */
export class LongPollEndpoint {
  private readonly held = new Map<string, Held>();
  private readonly cors: CorsPolicy;

  constructor(private readonly deps: LongPollDeps) {
    this.cors = new CorsPolicy(deps.settings.corsOrigins);
  }

  handles(path: string): boolean {
    return PATHS.has(path);
  }

  /** Held polls right now (a gauge for /metrics). */
  get heldPolls(): number {
    let count = 0;
    for (const { sink } of this.held.values()) if (sink.pollHeld) count++;
    return count;
  }

  get sessionCount(): number {
    return this.held.size;
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const cors = this.cors.headersFor(req.headers.origin);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, this.cors.preflightHeadersFor(req.headers.origin)).end();
      return;
    }
    try {
      const identity = await this.authenticate(req);
      switch (`${req.method} ${url.pathname}`) {
        case `POST ${LONG_POLL_SESSIONS_PATH}`:
          return await this.create(identity, res, cors);
        case `DELETE ${LONG_POLL_SESSIONS_PATH}`:
          this.heldFor(url, identity).sink.close(1000, 'closed by the client');
          res.writeHead(204, cors).end();
          return;
        case `GET ${LONG_POLL_POLL_PATH}`:
          return await this.poll(url, identity, res, cors);
        case `POST ${LONG_POLL_FRAMES_PATH}`:
          return await this.frames(url, identity, req, res, cors);
        default:
          throw new HttpRefusal('bad_frame', `${req.method} is not allowed on ${url.pathname}`, { allow: url.pathname === LONG_POLL_POLL_PATH ? 'GET' : url.pathname === LONG_POLL_FRAMES_PATH ? 'POST' : 'POST, DELETE' });
      }
    } catch (error) {
      if (error instanceof HttpRefusal) {
        sendRefusal(res, error, cors);
        if (error.headers.connection === 'close') req.socket.end();
        return;
      }
      this.deps.log.error({ err: error, path: url.pathname }, 'long-poll request failed');
      sendRefusal(res, new HttpRefusal('internal', 'internal error'), cors);
    }
  }

  private async authenticate(req: IncomingMessage): Promise<DeviceIdentity> {
    const token = bearerToken(req);
    try {
      return await this.deps.verifier.verify(token);
    } catch (error) {
      if (error instanceof InvalidTokenError) throw new HttpRefusal('unauthorized', `invalid token: ${error.message}`, { 'www-authenticate': 'Bearer' });
      throw error;
    }
  }

  private async create(identity: DeviceIdentity, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const { ctx, settings } = this.deps;
    if (this.deps.draining()) throw new HttpRefusal('unavailable', 'this gateway is shutting down; connect to another');
    const id = `lp_${randomBytes(18).toString('base64url')}`;
    let session: GatewaySession | undefined;
    const sink = new LongPollSink(() => {
      session?.ended();
      // A closed session still tells a late poll its last frames and why it closed, for a while.
      setTimeout(() => this.held.delete(id), settings.lingerMs).unref();
    });
    session = new GatewaySession(this.deps.nextConnId(), 'longpoll', sink, ctx, this.deps.hooks);
    this.held.set(id, { sink, session });
    try {
      if (!(await session.open(identity))) throw new HttpRefusal('unavailable', 'the session closed while it opened; create another');
    } catch (error) {
      this.held.delete(id);
      sink.terminate();
      if (error instanceof HttpRefusal) throw error;
      // Admission refused (too many connections or devices of the user): the same code as on a WebSocket.
      if (error instanceof ProtocolError) throw new HttpRefusal(error.code, error.message);
      this.deps.log.error({ err: error }, 'long-poll session failed to open');
      throw new HttpRefusal('unavailable', 'the server cannot take connections right now; try again later');
    }
    sendJson(res, 201, answerBody(sink.take(), { session: id, pollTimeoutMs: settings.pollTimeoutMs }), cors);
  }

  private async poll(url: URL, identity: DeviceIdentity, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const { sink } = this.heldFor(url, identity);
    const cursor = wholeNumber(url.searchParams.get('cursor'), 'cursor');
    const wait = url.searchParams.has('wait') ? Math.min(wholeNumber(url.searchParams.get('wait'), 'wait'), this.deps.settings.pollTimeoutMs) : this.deps.settings.pollTimeoutMs;
    const gone = new AbortController();
    // 'close' on the response fires when the client goes away before the answer is written.
    res.once('close', () => gone.abort());
    let answer: PollAnswer;
    try {
      answer = await sink.poll(cursor, wait, gone.signal);
    } catch (error) {
      if (error instanceof CursorError) throw new HttpRefusal('bad_frame', error.message);
      throw error;
    }
    if (gone.signal.aborted) return;
    sendJson(res, 200, answerBody(answer), cors);
  }

  private async frames(url: URL, identity: DeviceIdentity, req: IncomingMessage, res: ServerResponse, cors: Record<string, string>): Promise<void> {
    const { sink, session } = this.heldFor(url, identity);
    const { maxFrameBytes } = this.deps.ctx.config.limits;
    const body = await readBody(req, maxFramesBodyBytes(maxFrameBytes));
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      throw new HttpRefusal('bad_frame', 'the body is not valid JSON: send a JSON array of frames');
    }
    if (!Array.isArray(parsed)) throw new HttpRefusal('bad_frame', 'the body must be a JSON array of frames');
    if (parsed.length > LONG_POLL_MAX_FRAMES_PER_POST) throw new HttpRefusal('too_large', `at most ${LONG_POLL_MAX_FRAMES_PER_POST} frames per request`);
    // All or nothing: a frame over maxFrameBytes (which closes a WebSocket with 1009) refuses the
    // whole request, before any frame of it is handled.
    const texts = parsed.map((frame: unknown) => JSON.stringify(frame) ?? 'null');
    const oversized = texts.findIndex((text) => Buffer.byteLength(text) > maxFrameBytes);
    if (oversized >= 0) throw new HttpRefusal('too_large', `frame ${oversized} is over ${maxFrameBytes} bytes`);
    if (!sink.isOpen) throw new HttpRefusal('not_found', `the session is closed (${sink.closeInfo?.code ?? 1006}); create another`);
    sink.heard();
    // Replies (and errors of frames that fail validation) arrive in the poll, as on a WebSocket.
    for (const text of texts) session.receive(text);
    sendJson(res, 202, JSON.stringify({ accepted: texts.length }), cors);
  }

  /** The session named by ?session=, which must belong to the token's device. */
  private heldFor(url: URL, identity: DeviceIdentity): Held {
    const id = url.searchParams.get('session');
    if (!id) throw new HttpRefusal('bad_frame', 'the query must name the session: ?session=<id from POST /v1/sessions>');
    const held = this.held.get(id);
    if (!held) throw new HttpRefusal('not_found', `no session ${id.slice(0, 80)} on this gateway (it closed, or never existed): create another`);
    if (held.session.user !== identity.user || held.session.device !== identity.device) {
      throw new HttpRefusal('forbidden', 'this session belongs to another device');
    }
    return held;
  }
}

function wholeNumber(value: string | null, name: string): number {
  if (value === null || !/^\d{1,15}$/.test(value)) throw new HttpRefusal('bad_frame', `${name} must be a whole number >= 0`);
  return Number(value);
}

/** The answer body, built from the frames' own text so nothing is serialized twice. */
function answerBody(answer: PollAnswer, extra: Record<string, unknown> = {}): string {
  const head = Object.entries(extra).map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)},`).join('');
  const closed = answer.closed ? `,"closed":${JSON.stringify(answer.closed)}` : '';
  return `{${head}"cursor":${answer.cursor},"frames":[${answer.frames.join(',')}]${closed}}`;
}
