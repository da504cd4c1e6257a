import { randomBytes } from 'node:crypto';
import type { DeviceIdentity } from '../../../core/auth/jwt.js';
import { ProtocolError } from '../../../core/protocol/errors.js';
import { LONG_POLL_MAX_FRAMES_PER_POST } from '../../../core/protocol/long-poll.js';
import { errorFrame, type GatewayContext } from '../gateway-context.js';
import { GatewaySession, type SessionContext, type SessionHooks } from '../gateway-session.js';
import { HTTP_STATUS_OF, HttpRefusal } from './http-io.js';
import { LingeringSessions } from './lingering-sessions.js';
import { LongPollSink, type PollAnswer } from './long-poll-sink.js';
import { CursorError } from './poll-outbox.js';

/** What a request does to an existing session: plain data, so another gateway process can ask for it. */
export type SessionOp =
  | { kind: 'poll'; session: string; cursor: number; waitMs: number; maxBytes?: number }
  | { kind: 'frames'; session: string; body: string }
  | { kind: 'close'; session: string };

/** An HTTP answer as data: the status and the JSON body ('' for none). */
export interface OpAnswer {
  status: number;
  body: string;
}

export type LongPollSessionsContext = SessionContext & Pick<GatewayContext, 'config' | 'log'>;

interface Held {
  sink: LongPollSink;
  session: GatewaySession;
}

/**
 * The long-poll sessions of this gateway process, by id. A session id names the process that
 * holds it (`lp.<node id>.<random>`), so a request that reaches another process of the node can
 * be forwarded to the right one.
 */
export class LongPollSessions {
  private readonly held = new Map<string, Held>();
  private readonly lingering: LingeringSessions;

  constructor(
    private readonly deps: {
      ctx: LongPollSessionsContext;
      hooks: SessionHooks;
      nodeId: string;
      /** How long a closed session still answers polls with its last frames and close code (ms). */
      lingerMs: number;
      nextConnId: () => string;
    },
  ) {
    const { lingerMs, ctx } = deps;
    this.lingering = new LingeringSessions({ lingerMs, maxPerUser: ctx.config.maxConnectionsPerUser }, (id) =>
      this.held.delete(id),
    );
  }

  /** The gateway process (node id) that holds a session, from its id; undefined for an id of another shape. */
  static ownerOf(id: string): string | undefined {
    const match = /^lp\.([A-Za-z0-9_-]{1,64})\.[A-Za-z0-9_-]{24}$/.exec(id);
    return match?.[1];
  }

  get heldPolls(): number {
    let count = 0;
    for (const { sink } of this.held.values()) if (sink.pollHeld) count++;
    return count;
  }

  /** Opens a session for the device: registered for live delivery, `welcome` its first frame. */
  async create(identity: DeviceIdentity): Promise<{ id: string; first: PollAnswer }> {
    const id = `lp.${this.deps.nodeId}.${randomBytes(18).toString('base64url')}`;
    let session: GatewaySession | undefined;
    const sink = new LongPollSink(() => {
      if (!session) return;
      const wasOpen = session.isOpen;
      session.ended();
      // A closed session still tells a late poll its last frames and why it closed, for a while.
      // One that never opened was refused to its client, which holds no id to poll.
      if (wasOpen) this.lingering.add(session.user, id);
    });
    session = new GatewaySession(this.deps.nextConnId(), 'longpoll', sink, this.deps.ctx, this.deps.hooks);
    this.held.set(id, { sink, session });
    try {
      if (!(await session.open(identity)))
        throw new HttpRefusal('unavailable', 'the session closed while it opened; create another');
    } catch (error) {
      this.held.delete(id);
      sink.terminate();
      if (error instanceof HttpRefusal) throw error;
      // Admission refused (too many connections or devices of the user): the same code as on a WebSocket.
      if (error instanceof ProtocolError) throw new HttpRefusal(error.code, error.message);
      this.deps.ctx.log.error({ err: error }, 'long-poll session failed to open');
      throw new HttpRefusal('unavailable', 'the server cannot take connections right now; try again later');
    }
    return { id, first: sink.take() };
  }

  /** Runs an operation on a session of this process; refusals become their error answers. */
  async execute(op: SessionOp, identity: DeviceIdentity, cancelled: AbortSignal): Promise<OpAnswer> {
    try {
      const { sink, session } = this.heldFor(op.session, identity);
      switch (op.kind) {
        case 'close':
          sink.close(1000, 'closed by the client');
          return { status: 204, body: '' };
        case 'poll':
          return { status: 200, body: answerBody(await this.poll(sink, op, cancelled)) };
        case 'frames':
          return this.frames(sink, session, op.body);
      }
    } catch (error) {
      if (error instanceof HttpRefusal) return refusalAnswer(error);
      throw error;
    }
  }

  private async poll(
    sink: LongPollSink,
    op: Extract<SessionOp, { kind: 'poll' }>,
    cancelled: AbortSignal,
  ): Promise<PollAnswer> {
    try {
      return await sink.poll(op.cursor, op.waitMs, cancelled, op.maxBytes);
    } catch (error) {
      if (error instanceof CursorError) throw new HttpRefusal('bad_frame', error.message);
      throw error;
    }
  }

  private frames(sink: LongPollSink, session: GatewaySession, body: string): OpAnswer {
    const { maxFrameBytes } = this.deps.ctx.config.limits;
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      throw new HttpRefusal('bad_frame', 'the body is not valid JSON: send a JSON array of frames');
    }
    if (!Array.isArray(parsed)) throw new HttpRefusal('bad_frame', 'the body must be a JSON array of frames');
    if (parsed.length > LONG_POLL_MAX_FRAMES_PER_POST)
      throw new HttpRefusal('too_large', `at most ${LONG_POLL_MAX_FRAMES_PER_POST} frames per request`);
    // All or nothing: a frame over maxFrameBytes (which closes a WebSocket with 1009) refuses the
    // whole request, before any frame of it is handled.
    const texts = parsed.map((frame: unknown) => JSON.stringify(frame) ?? 'null');
    const oversized = texts.findIndex((text) => Buffer.byteLength(text) > maxFrameBytes);
    if (oversized >= 0) throw new HttpRefusal('too_large', `frame ${oversized} is over ${maxFrameBytes} bytes`);
    if (!sink.isOpen)
      throw new HttpRefusal('not_found', `the session is closed (${sink.closeInfo?.code ?? 1006}); create another`);
    sink.heard();
    // Replies (and errors of frames that fail validation) arrive in the poll, as on a WebSocket.
    for (const text of texts) session.receive(text);
    return { status: 202, body: JSON.stringify({ accepted: texts.length }) };
  }

  /** The session, which must belong to the token's device. */
  private heldFor(id: string, identity: DeviceIdentity): Held {
    const held = this.held.get(id);
    if (!held)
      throw new HttpRefusal(
        'not_found',
        `no session ${id.slice(0, 100)} (it closed, or never existed): create another`,
      );
    if (held.session.user !== identity.user || held.session.device !== identity.device) {
      throw new HttpRefusal('forbidden', 'this session belongs to another device');
    }
    return held;
  }
}

export function refusalAnswer(refusal: HttpRefusal): OpAnswer {
  return {
    status: HTTP_STATUS_OF[refusal.code],
    body: errorFrame(undefined, refusal.code, refusal.message, refusal.retryAfterMs),
  };
}

/** The answer body, built from the frames' own text so nothing is serialized twice. */
export function answerBody(answer: PollAnswer, extra: Record<string, unknown> = {}): string {
  const head = Object.entries(extra)
    .map(([key, value]) => `${JSON.stringify(key)}:${JSON.stringify(value)},`)
    .join('');
  const closed = answer.closed ? `,"closed":${JSON.stringify(answer.closed)}` : '';
  return `{${head}"cursor":${answer.cursor},"frames":[${answer.frames.join(',')}]${closed}}`;
}
