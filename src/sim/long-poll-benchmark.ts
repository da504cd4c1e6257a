import { randomBytes } from 'node:crypto';
import type { Result } from 'autocannon';
import {
  LONG_POLL_FRAMES_PATH,
  LONG_POLL_POLL_PATH,
  LONG_POLL_SESSIONS_PATH,
  type PollResponse,
  type SessionCreated,
} from '../core/protocol/index.js';

export interface LongPollBenchmarkOptions {
  /** The gateway's HTTP base, e.g. http://127.0.0.1:8080. */
  base: string;
  /** The gateway's /metrics on its admin listener, for its memory (default: none, memory not measured). */
  metricsUrl?: string;
  tokenFor(user: string, device: string): Promise<string>;
  /** Sessions (and autocannon connections) that send (default 50). */
  senders: number;
  /** Sessions whose polls are held at once, beside the senders (default 2000). */
  heldPolls: number;
  /** Seconds each autocannon run lasts (default 10). */
  durationSec: number;
  /** How long the gateway holds each poll, ms (default 8000; at most its poll timeout). */
  pollWaitMs: number;
  onProgress?: (line: string) => void;
}

export interface AutocannonFigures {
  requestsPerSec: number;
  total: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface LongPollBenchmarkResult {
  /** POST /v1/frames, one send per request, alone. */
  sends: AutocannonFigures & { acked: number; ackedPerSec: number; refused: number };
  /** GET /v1/poll held on `heldPolls` sessions, alone. */
  polls: AutocannonFigures & { held: number; rssBytesPerSession: number };
  /** Both at once: the sends with the polls held. */
  sendsWithHeldPolls: AutocannonFigures & { acked: number; ackedPerSec: number };
}

interface Session {
  id: string;
  token: string;
  cursor: number;
  room?: string;
  sent: number;
  /** Sends answered (ack or error), counted by the session's own poll loop. */
  acked: number;
  refused: number;
  lastAnswerAt: number;
}

/**
 * Polls a sending session for as long as the benchmark runs, as its client would: a session
 * nobody polls is closed after the presence timeout. Counts the answers to its sends.
 */
function keepPolling(base: string, session: Session, running: () => boolean): Promise<void> {
  return (async () => {
    while (running()) {
      const answer = await poll(base, session, 2000).catch(() => undefined);
      for (const frame of answer?.frames ?? []) {
        if (frame.type === 'ack') session.acked++;
        else if (frame.type === 'error') session.refused++;
        else continue;
        session.lastAnswerAt = Date.now();
      }
    }
  })();
}

/**
 * Drives the long-poll endpoints with autocannon: send throughput through POST /v1/frames (one
 * `send` per request; every one is then polled until its ack, so the figure is of committed
 * messages, not only of accepted requests), and many polls held at once (GET /v1/poll).
 */
export async function runLongPollBenchmark(options: LongPollBenchmarkOptions): Promise<LongPollBenchmarkResult> {
  const { default: autocannon } = await import('autocannon').catch(() => {
    throw new Error('autocannon is a devDependency of chat-node: run this from a checkout after `npm ci`');
  });
  const run = randomBytes(3).toString('hex');
  const progress = options.onProgress ?? (() => {});
  progress(`opening ${options.senders} sending sessions`);
  const senders = await openSessions(options, `lpb${run}s`, options.senders);
  await Promise.all(senders.map((session, i) => createRoom(options.base, session, `lpb${run}r${i}`)));
  let running = true;
  const senderPolls = senders.map((session) => keepPolling(options.base, session, () => running));
  const sendRun = (label: string) => {
    let next = 0;
    let messageNo = 0;
    return autocannon({
      url: options.base,
      connections: senders.length,
      duration: options.durationSec,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            const session = senders[next++ % senders.length]!;
            session.sent++;
            const frame = {
              type: 'send',
              room: session.room,
              clientMsgId: `${label}${run}-${messageNo++}`,
              body: `bench ${'x'.repeat(100)}`,
            };
            return {
              ...request,
              path: `${LONG_POLL_FRAMES_PATH}?session=${session.id}`,
              headers: { authorization: `Bearer ${session.token}`, 'content-type': 'application/json' },
              body: JSON.stringify([frame]),
            };
          },
        },
      ],
    });
  };

  progress(`autocannon: POST ${LONG_POLL_FRAMES_PATH} from ${senders.length} sessions for ${options.durationSec} s`);
  const sendsStarted = Date.now();
  const sends = await sendRun('a');
  const drained = await drainAcks(senders, sendsStarted);

  progress(`opening ${options.heldPolls} sessions to hold polls`);
  const rssBefore = await gatewayRss(options.metricsUrl);
  const pollers = await openSessions(options, `lpb${run}p`, options.heldPolls);
  const pollRun = () => {
    let next = 0;
    return autocannon({
      url: options.base,
      connections: pollers.length,
      duration: options.durationSec,
      timeout: Math.ceil(options.pollWaitMs / 1000) + 10,
      requests: [
        {
          method: 'GET',
          setupRequest: (request) => {
            const session = pollers[next++ % pollers.length]!;
            return {
              ...request,
              path: `${LONG_POLL_POLL_PATH}?session=${session.id}&cursor=${session.cursor}&wait=${options.pollWaitMs}`,
              headers: { authorization: `Bearer ${session.token}` },
            };
          },
        },
      ],
    });
  };
  progress(`autocannon: GET ${LONG_POLL_POLL_PATH} held on ${pollers.length} sessions for ${options.durationSec} s`);
  const [polls, rssHeld] = await Promise.all([
    pollRun(),
    delay(options.durationSec * 500).then(() => gatewayRss(options.metricsUrl)),
  ]);

  progress('autocannon: both at once');
  for (const session of senders) Object.assign(session, { sent: 0, acked: 0, refused: 0 });
  const bothStarted = Date.now();
  const [withPolls] = await Promise.all([sendRun('b'), pollRun()]);
  const drainedBoth = await drainAcks(senders, bothStarted);
  running = false;
  await Promise.all(senderPolls);
  await Promise.all([...senders, ...pollers].map((session) => closeSession(options.base, session)));

  return {
    sends: { ...figures(sends), ...drained },
    polls: {
      ...figures(polls),
      held: pollers.length,
      rssBytesPerSession: rssBefore && rssHeld ? Math.round((rssHeld - rssBefore) / pollers.length) : 0,
    },
    sendsWithHeldPolls: { ...figures(withPolls), acked: drainedBoth.acked, ackedPerSec: drainedBoth.ackedPerSec },
  };
}

function figures(result: Result): AutocannonFigures {
  return {
    requestsPerSec: result.requests.average,
    total: result.requests.total,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

async function openSessions(options: LongPollBenchmarkOptions, prefix: string, count: number): Promise<Session[]> {
  const sessions: Session[] = [];
  // 50 at a time: opening is a handshake each (token check, Postgres, Redis).
  for (let from = 0; from < count; from += 50) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(50, count - from) }, async (_, i) => {
        const token = await options.tokenFor(`${prefix}${from + i}`, 'bench');
        const created = await call<SessionCreated>(options.base, 'POST', LONG_POLL_SESSIONS_PATH, token);
        return { id: created.session, token, cursor: created.cursor, sent: 0, acked: 0, refused: 0, lastAnswerAt: 0 };
      }),
    );
    sessions.push(...batch);
  }
  return sessions;
}

async function createRoom(base: string, session: Session, peer: string): Promise<void> {
  await call(base, 'POST', `${LONG_POLL_FRAMES_PATH}?session=${session.id}`, session.token, [
    { type: 'room.create', id: 'room', kind: 'direct', members: [peer] },
  ]);
  for (;;) {
    const answer = await poll(base, session, 5000);
    const room = answer.frames.find((frame) => frame.type === 'room' && frame.id === 'room');
    if (room) {
      session.room = (room.room as { id: string }).id;
      return;
    }
  }
}

/** Waits until every send is answered (ack, or an error such as rate_limited), at most 30 s. */
async function drainAcks(
  senders: Session[],
  startedAt: number,
): Promise<{ acked: number; ackedPerSec: number; refused: number }> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && senders.some((session) => session.acked + session.refused < session.sent))
    await delay(100);
  const acked = senders.reduce((sum, session) => sum + session.acked, 0);
  const refused = senders.reduce((sum, session) => sum + session.refused, 0);
  const lastAt = Math.max(startedAt, ...senders.map((session) => session.lastAnswerAt));
  return { acked, refused, ackedPerSec: acked / Math.max(0.001, (lastAt - startedAt) / 1000) };
}

async function poll(base: string, session: Session, waitMs: number): Promise<PollResponse> {
  const answer = await call<PollResponse>(
    base,
    'GET',
    `${LONG_POLL_POLL_PATH}?session=${session.id}&cursor=${session.cursor}&wait=${waitMs}`,
    session.token,
  );
  session.cursor = answer.cursor;
  return answer;
}

async function closeSession(base: string, session: Session): Promise<void> {
  await fetch(`${base}${LONG_POLL_SESSIONS_PATH}?session=${session.id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${session.token}` },
  }).catch(() => {});
}

async function call<T>(base: string, method: string, path: string, token: string, body?: unknown): Promise<T> {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path.split('?')[0]}: HTTP ${response.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

/** The gateway process's resident memory, from its /metrics (undefined when not exported). */
async function gatewayRss(metricsUrl: string | undefined): Promise<number | undefined> {
  if (metricsUrl === undefined) return undefined;
  const text = await (await fetch(metricsUrl)).text().catch(() => '');
  const match = /^process_resident_memory_bytes(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+\d+)?)$/m.exec(text);
  return match ? Number(match[1]) : undefined;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
