import {
  CLOSE_CODES,
  LONG_POLL_FRAMES_PATH,
  LONG_POLL_MAX_FRAMES_PER_POST,
  LONG_POLL_POLL_PATH,
  LONG_POLL_SESSIONS_PATH,
  decodeServerFrame,
  type SessionCreated,
} from '../protocol/index.js';
import type { OutboundFrame } from './frames.js';
import { HttpExchange, type HttpAnswer } from './http-exchange.js';
import type { ClientTransport, ConnectionListener, TransportOptions } from './transport.js';

/** Close codes an HTTP refusal stands for, so the session reacts as it would on a WebSocket. */
const CLOSE_FOR_STATUS: Record<number, number> = {
  401: CLOSE_CODES.unauthorized,
  413: CLOSE_CODES.tooLarge,
  503: CLOSE_CODES.internalError,
};
/** Waits between retries of a poll that failed on the network; the watchdog decides when to give up. */
const POLL_RETRY_MS = [100, 250, 500, 1000, 2000];

/**
 * The long-poll transport: the `hello` written by the session becomes POST /v1/sessions with
 * the token as a bearer; other frames are batched into POST /v1/frames (one request in flight,
 * so they reach the server in order); a loop of GET /v1/poll brings server frames, each poll
 * naming the cursor of the last frame received. A poll that fails on the network is retried
 * with the same cursor, so nothing is lost or repeated. A failed frames POST ends the link, as
 * a broken socket would: the session reconnects, resends unacked sends and syncs.
 */
export class LongPollTransport implements ClientTransport {
  readonly kind = 'longpoll' as const;
  private readonly base: URL;
  private readonly http: HttpExchange;
  private readonly aborter = new AbortController();
  private token = '';
  private session: string | undefined;
  private cursor = 0;
  private pollTimeoutMs = 25_000;
  private pending: OutboundFrame[] = [];
  private posting = false;
  private finished = false;
  private lastActivity = Date.now();
  private silenceMs = 0;
  private watchdog: NodeJS.Timeout | undefined;
  private readonly closed: Promise<void>;
  private resolveClosed!: () => void;

  constructor(
    readonly url: string,
    private readonly options: TransportOptions,
    private readonly listener: ConnectionListener,
  ) {
    this.base = httpBaseOf(url);
    this.http = new HttpExchange(this.base, options.localAddress);
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    // Nothing to open: the session opens with the hello the listener writes now.
    setImmediate(() => !this.finished && listener.onOpen());
  }

  get isOpen(): boolean {
    return !this.finished;
  }

  send(frame: OutboundFrame): boolean {
    if (this.finished) return false;
    if (frame.type === 'hello') {
      this.token = frame.token;
      void this.createSession();
      return true;
    }
    this.pending.push(frame);
    if (this.session !== undefined) setImmediate(() => void this.flush());
    return true;
  }

  watch(silenceMs: number): void {
    this.silenceMs = silenceMs;
    this.lastActivity = Date.now();
    if (this.watchdog) clearTimeout(this.watchdog);
    this.armWatchdog(this.silenceLimit());
  }

  close(code: number = CLOSE_CODES.normal, reason = ''): Promise<void> {
    if (this.finished) return this.closed;
    const session = this.session;
    if (session === undefined) {
      this.finish(code, reason);
      return this.closed;
    }
    // Tell the server, so the device goes offline now rather than after the presence timeout.
    const timeoutMs = this.options.closeTimeoutMs ?? 1000;
    void this.http
      .exchange(this.endpoint(LONG_POLL_SESSIONS_PATH, { session }), {
        method: 'DELETE',
        headers: this.headers(),
        timeoutMs,
      })
      .catch(() => {})
      .finally(() => this.finish(code, reason));
    return this.closed;
  }

  terminate(): void {
    this.finish(1006, '');
  }

  // --- the session ----------------------------------------------------------------------

  private async createSession(): Promise<void> {
    let answer: HttpAnswer;
    try {
      answer = await this.http.exchange(this.endpoint(LONG_POLL_SESSIONS_PATH), {
        method: 'POST',
        headers: this.headers(),
        timeoutMs: this.options.handshakeTimeoutMs,
        signal: this.aborter.signal,
      });
    } catch (error) {
      this.fail(error);
      return;
    }
    if (this.finished) return;
    if (answer.status !== 201) {
      this.refused(answer);
      return;
    }
    const created = parseJson<SessionCreated>(answer.body);
    if (!created || typeof created.session !== 'string') {
      this.listener.onInvalidFrame(`POST ${LONG_POLL_SESSIONS_PATH} answered without a session`);
      this.finish(1006, 'bad session answer');
      return;
    }
    this.session = created.session;
    this.pollTimeoutMs = created.pollTimeoutMs;
    this.accept(created.cursor, created.frames);
    if (this.finished) return;
    if (created.closed) {
      this.finish(created.closed.code, created.closed.reason);
      return;
    }
    void this.pollLoop();
    void this.flush();
  }

  private async pollLoop(): Promise<void> {
    let failures = 0;
    while (!this.finished && this.session !== undefined) {
      let answer: HttpAnswer;
      try {
        answer = await this.http.exchange(
          this.endpoint(LONG_POLL_POLL_PATH, { session: this.session, cursor: String(this.cursor) }),
          {
            method: 'GET',
            headers: this.headers(),
            timeoutMs: this.pollTimeoutMs + this.options.handshakeTimeoutMs,
            signal: this.aborter.signal,
          },
        );
      } catch (error) {
        if (this.finished) return;
        // The same cursor again: the frames of a lost answer come again, none twice.
        this.listener.onError(new Error(`poll failed (retrying with cursor ${this.cursor}): ${describe(error)}`));
        await delay(POLL_RETRY_MS[Math.min(failures++, POLL_RETRY_MS.length - 1)]!);
        continue;
      }
      failures = 0;
      if (this.finished) return;
      if (answer.status !== 200) {
        this.refused(answer);
        return;
      }
      const body = parseJson<SessionCreated>(answer.body);
      if (!body || !Array.isArray(body.frames) || !Number.isSafeInteger(body.cursor)) {
        this.listener.onInvalidFrame(`GET ${LONG_POLL_POLL_PATH} answered with something that is not a poll answer`);
        this.finish(1006, 'bad poll answer');
        return;
      }
      this.accept(body.cursor, body.frames);
      if (body.closed) {
        this.finish(body.closed.code, body.closed.reason);
        return;
      }
    }
  }

  /** Sends the queued frames, one request at a time, so they reach the server in order. */
  private async flush(): Promise<void> {
    if (this.posting || this.finished || this.session === undefined) return;
    this.posting = true;
    try {
      while (this.pending.length > 0 && !this.finished) {
        const batch = this.pending.splice(0, LONG_POLL_MAX_FRAMES_PER_POST);
        const answer = await this.http.exchange(this.endpoint(LONG_POLL_FRAMES_PATH, { session: this.session }), {
          method: 'POST',
          headers: this.headers(),
          body: JSON.stringify(batch),
          timeoutMs: this.options.handshakeTimeoutMs,
          signal: this.aborter.signal,
        });
        this.lastActivity = Date.now();
        if (answer.status !== 202) {
          this.refused(answer);
          return;
        }
      }
    } catch (error) {
      // Whether the frames arrived is unknown, as with a socket that broke mid-write.
      this.fail(error);
    } finally {
      this.posting = false;
    }
  }

  private accept(cursor: number, frames: ReadonlyArray<Record<string, unknown>>): void {
    this.lastActivity = Date.now();
    this.cursor = cursor;
    for (const frame of frames) {
      if (this.finished) return;
      const decoded = decodeServerFrame(JSON.stringify(frame));
      if (decoded.ok) this.listener.onFrame(decoded.frame);
      else this.listener.onInvalidFrame(decoded.message);
    }
  }

  /** A non-success answer: its body is the protocol's error frame; the link ends with the matching close code. */
  private refused(answer: HttpAnswer): void {
    const decoded = decodeServerFrame(answer.body);
    if (decoded.ok) this.listener.onFrame(decoded.frame);
    else this.listener.onError(new Error(`HTTP ${answer.status} from ${this.base.host}: ${answer.body.slice(0, 200)}`));
    this.finish(CLOSE_FOR_STATUS[answer.status] ?? 1006, `HTTP ${answer.status}`);
  }

  private fail(error: unknown): void {
    if (this.finished) return;
    this.listener.onError(error instanceof Error ? error : new Error(String(error)));
    this.finish(1006, '');
  }

  private finish(code: number, reason: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.watchdog) clearTimeout(this.watchdog);
    this.aborter.abort();
    this.http.destroy();
    this.resolveClosed();
    this.listener.onClose(code, reason);
  }

  // --- helpers --------------------------------------------------------------------------

  /** A held poll is silent for up to the server's poll timeout; only silence beyond that counts. */
  private silenceLimit(): number {
    return this.silenceMs + (this.session !== undefined ? this.pollTimeoutMs : 0);
  }

  private armWatchdog(delayMs: number): void {
    this.watchdog = setTimeout(() => this.checkSilence(), delayMs);
    this.watchdog.unref();
  }

  private checkSilence(): void {
    this.watchdog = undefined;
    if (this.finished) return;
    const limit = this.silenceLimit();
    const silent = Date.now() - this.lastActivity;
    if (silent < limit) {
      this.armWatchdog(limit - silent);
      return;
    }
    this.listener.onSilent(limit);
    this.terminate();
  }

  private headers(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  private endpoint(path: string, query: Record<string, string> = {}): URL {
    const url = new URL(this.base.href.replace(/\/$/, '') + path);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    return url;
  }
}

/**
 * The HTTP base of a gateway URL: `ws://h:p/v1/ws` becomes `http://h:p`, `wss:` becomes
 * `https:`; an `http(s)://` URL is taken as is, without a trailing `/v1/...` path.
 */
export function httpBaseOf(url: string): URL {
  const parsed = new URL(url);
  const protocol = { 'ws:': 'http:', 'wss:': 'https:', 'http:': 'http:', 'https:': 'https:' }[parsed.protocol];
  if (!protocol) throw new TypeError(`${url}: a gateway URL is ws://, wss://, http:// or https://`);
  const base = new URL(
    `${protocol}//${parsed.host}${parsed.pathname.replace(/\/v1(\/[^/]*)?\/?$/, '').replace(/\/$/, '')}`,
  );
  return base;
}

function parseJson<T>(text: string): T | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as T) : undefined;
  } catch {
    return undefined;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
