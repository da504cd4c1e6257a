import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { InvalidTokenError, type DeviceIdentity, type TokenVerifier } from '../../../core/auth/jwt.js';
import {
  LONG_POLL_FRAMES_PATH,
  LONG_POLL_POLL_PATH,
  LONG_POLL_SESSIONS_PATH,
  maxFramesBodyBytes,
} from '../../../core/protocol/long-poll.js';
import type { GatewayContext } from '../gateway-context.js';
import type { SessionHooks } from '../gateway-session.js';
import { CorsPolicy } from './cors-policy.js';
import { HttpRefusal, bearerToken, readBody, sendJson, sendRefusal } from './http-io.js';
import {
  LongPollSessions,
  answerBody,
  type LongPollSessionsContext,
  type OpAnswer,
  type SessionOp,
} from './long-poll-sessions.js';
import { SessionForwarder } from './session-forwarder.js';

export interface LongPollSettings {
  /** Longest hold of a poll, in ms (CHAT_POLL_TIMEOUT_MS, default 25000). */
  pollTimeoutMs: number;
  /** Browser origins allowed by CORS; `*` for any (CHAT_CORS_ORIGINS, default none). */
  corsOrigins: readonly string[];
  /** How long a closed session still answers polls with its last frames and close code (ms). */
  lingerMs: number;
}

export interface LongPollDeps {
  ctx: LongPollSessionsContext & Pick<GatewayContext, 'config' | 'metrics'>;
  verifier: TokenVerifier;
  hooks: SessionHooks;
  log: Logger;
  nc: NatsConnection;
  settings: LongPollSettings;
  nextConnId: () => string;
  /** True while the gateway drains: no new sessions. */
  draining(): boolean;
  /** True while the gateway cannot reach NATS: no new sessions (it could not store their sends). */
  cutOff(): boolean;
  /** Why the gateway process takes no more connections (--max-connections), or undefined: no new session then. */
  full(): string | undefined;
  /** True when the client address holds --max-pending-per-ip WebSockets without hello: no new session from it either. */
  tooManyPending(remoteAddress: string | undefined): boolean;
}

const PATHS = new Set([LONG_POLL_SESSIONS_PATH, LONG_POLL_POLL_PATH, LONG_POLL_FRAMES_PATH]);

/**
 * Protocol v1 over HTTP long-polling, on the gateway's port, for clients that cannot keep a
 * WebSocket open: create a session with the device token, POST client frames, GET server
 * frames with a cursor. Each session is a GatewaySession over a LongPollSink, so handlers,
 * delivery, presence and limits are the WebSocket's. Every request carries the token again;
 * a request for a session another gateway process holds is forwarded to it.
 */
export class LongPollEndpoint {
  private readonly sessions: LongPollSessions;
  private readonly forwarder: SessionForwarder;
  private readonly cors: CorsPolicy;
  private readonly nodeId: string;

  constructor(private readonly deps: LongPollDeps) {
    const { config } = deps.ctx;
    this.nodeId = config.nodeId;
    this.cors = new CorsPolicy(deps.settings.corsOrigins);
    this.sessions = new LongPollSessions({
      ctx: deps.ctx,
      hooks: deps.hooks,
      nodeId: config.nodeId,
      lingerMs: deps.settings.lingerMs,
      nextConnId: deps.nextConnId,
    });
    this.forwarder = new SessionForwarder(deps.nc, config.namespace, deps.log);
    this.forwarder.serve(config.nodeId, this.sessions);
  }

  handles(path: string): boolean {
    return PATHS.has(path);
  }

  /** Polls held right now on sessions of this process (a gauge for /metrics). */
  get heldPolls(): number {
    return this.sessions.heldPolls;
  }

  stop(): void {
    this.forwarder.stop();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const cors = this.cors.headersFor(req.headers.origin);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, this.cors.preflightHeadersFor(req.headers.origin)).end();
      return;
    }
    const route = `${req.method} ${url.pathname}`;
    try {
      // Before the token is checked: the refusal is the cheapest answer (as at a WebSocket upgrade).
      if (route === `POST ${LONG_POLL_SESSIONS_PATH}` && this.deps.tooManyPending(req.socket.remoteAddress)) {
        this.deps.ctx.metrics.pendingRefused.inc({ transport: 'longpoll' });
        throw new HttpRefusal(
          'rate_limited',
          'too many connections from your address are waiting for their hello; retry later',
          { 'retry-after': '1' },
          1000,
        );
      }
      const identity = await this.authenticate(req);
      if (route === `POST ${LONG_POLL_SESSIONS_PATH}`) {
        if (this.deps.draining())
          throw new HttpRefusal('unavailable', 'this gateway is shutting down; connect to another');
        if (this.deps.cutOff())
          throw new HttpRefusal('unavailable', 'this gateway cannot reach the message bus; connect to another');
        const full = this.deps.full();
        if (full) throw new HttpRefusal('unavailable', full, { 'retry-after': '1' });
        const { id, first } = await this.sessions.create(identity);
        sendJson(res, 201, answerBody(first, { session: id, pollTimeoutMs: this.deps.settings.pollTimeoutMs }), cors);
        return;
      }
      const op = await this.operationOf(route, url, req);
      const gone = new AbortController();
      // 'close' on the response fires when the client goes away before the answer is written.
      res.once('close', () => gone.abort());
      const owner = LongPollSessions.ownerOf(op.session);
      const answer: OpAnswer =
        owner !== undefined && owner !== this.nodeId
          ? await this.forwarder.forward(owner, op, identity)
          : await this.sessions.execute(op, identity, gone.signal);
      if (gone.signal.aborted) return;
      if (answer.body === '') res.writeHead(answer.status, cors).end();
      else sendJson(res, answer.status, answer.body, cors);
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
      if (error instanceof InvalidTokenError)
        throw new HttpRefusal('unauthorized', `invalid token: ${error.message}`, { 'www-authenticate': 'Bearer' });
      throw error;
    }
  }

  /** The request as an operation on its session; the body is read here, within its limit. */
  private async operationOf(route: string, url: URL, req: IncomingMessage): Promise<SessionOp> {
    const session = url.searchParams.get('session');
    const needSession = () => {
      if (!session)
        throw new HttpRefusal('bad_frame', 'the query must name the session: ?session=<id from POST /v1/sessions>');
      return session;
    };
    switch (route) {
      case `DELETE ${LONG_POLL_SESSIONS_PATH}`:
        return { kind: 'close', session: needSession() };
      case `GET ${LONG_POLL_POLL_PATH}`: {
        const id = needSession();
        const cursor = wholeNumber(url.searchParams.get('cursor'), 'cursor');
        const { pollTimeoutMs } = this.deps.settings;
        const waitMs = url.searchParams.has('wait')
          ? Math.min(wholeNumber(url.searchParams.get('wait'), 'wait'), pollTimeoutMs)
          : pollTimeoutMs;
        return { kind: 'poll', session: id, cursor, waitMs };
      }
      case `POST ${LONG_POLL_FRAMES_PATH}`: {
        const id = needSession();
        const body = await readBody(req, maxFramesBodyBytes(this.deps.ctx.config.limits.maxFrameBytes));
        // Decoding would turn invalid bytes into U+FFFD and store them; a WebSocket closes with 1007 instead.
        if (!isUtf8(body)) throw new HttpRefusal('bad_frame', 'the body is not valid UTF-8');
        return { kind: 'frames', session: id, body: body.toString('utf8') };
      }
      default: {
        const allow =
          url.pathname === LONG_POLL_POLL_PATH
            ? 'GET'
            : url.pathname === LONG_POLL_FRAMES_PATH
              ? 'POST'
              : 'POST, DELETE';
        throw new HttpRefusal('bad_frame', `${req.method ?? 'this method'} is not allowed on ${url.pathname}`, {
          allow,
        });
      }
    }
  }
}

function wholeNumber(value: string | null, name: string): number {
  if (value === null || !/^\d{1,15}$/.test(value))
    throw new HttpRefusal('bad_frame', `${name} must be a whole number >= 0`);
  return Number(value);
}
