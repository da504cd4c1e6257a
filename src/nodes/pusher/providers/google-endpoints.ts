import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

/**
 * A keep-alive agent that hands each request it is given to the send being traced (SendTracer):
 * the agent sees the ClientRequest synchronously inside https.request(), where node's
 * 'http.client.request.start' channel only fires a tick later.
 */
export class TracedAgent extends https.Agent {
  constructor(options: https.AgentOptions = {}) {
    super({ keepAlive: true, ...options });
  }

  addRequest(request: ClientRequest, ...rest: unknown[]): void {
    current?.requests.push(request);
    if (current?.cancelled) process.nextTick(() => request.destroy(new Error('push send deadline passed')));
    (https.Agent.prototype as unknown as { addRequest: (...args: unknown[]) => void }).addRequest.call(
      this,
      request,
      ...rest,
    );
  }
}

/**
 * firebase-admin hard-codes https://fcm.googleapis.com for sends and google-auth-library
 * hard-codes https://oauth2.googleapis.com/token for the service account's JWT grant (the
 * `token_uri` of the key file is ignored). Both accept an http(s) agent (`httpAgent` on the app
 * options and on `cert()`), so this agent is where a fake is swapped in: it opens the TLS
 * connection to the fake's host and port, verifies the fake's certificate for that host, and
 * leaves the request (Host header, path, body) exactly as the libraries wrote it.
 */
export class GoogleEndpointAgent extends TracedAgent {
  /** `host:port` the library asks for -> where to connect instead. */
  private readonly routes: Map<string, URL>;
  /**
   * The CA as a ready TLS context rather than an agent option: node's https agent puts its `ca`
   * option into the pool key of every request (a 1-2 KB string built and hashed each time).
   */
  private readonly secureContext: tls.SecureContext | undefined;

  constructor(routes: Map<string, URL>, caPem: string | undefined) {
    super();
    this.routes = routes;
    this.secureContext = caPem === undefined ? undefined : tls.createSecureContext({ ca: caPem });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const trusting = this.secureContext === undefined ? options : { ...options, secureContext: this.secureContext };
    const asked = `${options.host ?? options.hostname ?? ''}:${options.port ?? 443}`;
    const target = this.routes.get(asked);
    if (!target) return super.createConnection(trusting, callback);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const servername = isIP(host) === 0 ? host : undefined;
    return super.createConnection(
      { ...trusting, host, hostname: host, port: Number(target.port || 443), servername },
      callback,
    );
  }
}

/** The agent for `endpoint` (replacing fcm.googleapis.com) and `tokenUri` (replacing oauth2.googleapis.com). */
export function googleEndpointAgent(
  endpoint: string | undefined,
  tokenUri: string | undefined,
  caPem: string | undefined,
): https.Agent | undefined {
  const routes = new Map<string, URL>();
  if (endpoint !== undefined) routes.set('fcm.googleapis.com:443', new URL(endpoint));
  if (tokenUri !== undefined) {
    const url = new URL(tokenUri);
    // The path is fixed by the library; only the origin can move.
    if (url.pathname !== '/token')
      throw new Error(`tokenUri must end in /token (google-auth-library posts there): ${tokenUri}`);
    routes.set('oauth2.googleapis.com:443', url);
  }
  if (routes.size === 0 && caPem === undefined) return undefined;
  return new GoogleEndpointAgent(routes, caPem);
}

/** What one send saw on the wire: its requests (to cancel them) and the FCM answer's status and Retry-After. */
export interface SendTrace {
  requests: ClientRequest[];
  /** Set when the send's deadline passed: whatever it still starts (library retries) is aborted. */
  cancelled: boolean;
  fcmStatus?: number;
  retryAfter?: string;
}

/** The request config firebase-admin hands its HTTP client (only what is read here). */
interface LibraryRequest {
  data?: { message?: { token?: unknown } };
}

interface LibraryHttpClient {
  sendWithRetry(config: LibraryRequest, retryAttempts?: number): Promise<unknown>;
}

/**
 * The trace of the send whose request the library is creating right now: firebase-admin's
 * sendWithRetry() calls https.request() synchronously, which gives the request to the agent.
 */
let current: SendTrace | undefined;
/** OAuth token requests in flight (any provider's), with when they started. */
const tokenRequests = new Map<ClientRequest, number>();
let subscribed = false;

/**
 * Ties the HTTP requests firebase-admin makes to the `send()` that caused them, with many sends in
 * flight on one agent: the library's errors drop the response headers (so Retry-After on 429/503
 * would be lost) and its requests cannot be cancelled from outside. The messaging HTTP client's
 * sendWithRetry(config) is wrapped (the config carries the registration token the send was given),
 * and the provider's TracedAgent hands over the ClientRequest it creates.
 * An AsyncLocalStorage did this before, but it turns on async hooks for every promise in the
 * process: 15-20% of a pusher's CPU at 3,000 notifications/s.
 */
export class SendTracer {
  /** Sends not yet at the HTTP client, per registration token, oldest first. */
  private readonly waiting = new Map<string, SendTrace[]>();
  private readonly byRequest = new WeakMap<LibraryRequest, SendTrace>();

  /** `httpClient`: firebase-admin's messaging HTTP client (internal; a library change fails loudly here). */
  constructor(httpClient: unknown) {
    const client = httpClient as Partial<LibraryHttpClient> | undefined;
    if (typeof client?.sendWithRetry !== 'function') {
      throw new Error('firebase-admin internals changed: cannot trace messaging requests (see google-endpoints.ts)');
    }
    if (!subscribed) {
      subscribed = true;
      diagnosticsChannel.subscribe('http.client.request.start', onRequestStart);
    }
    const sendWithRetry = client.sendWithRetry.bind(client);
    client.sendWithRetry = (config: LibraryRequest, retryAttempts?: number): Promise<unknown> => {
      const trace = this.claim(config);
      if (!trace) return sendWithRetry(config, retryAttempts);
      const outer = current;
      current = trace;
      let result: Promise<unknown>;
      try {
        result = sendWithRetry(config, retryAttempts);
      } finally {
        current = outer;
      }
      return result.catch((error: unknown) => {
        // A RequestResponseError: the FCM answer, headers included, before the library drops them.
        const response = (error as { response?: { status?: unknown; headers?: Record<string, unknown> } } | undefined)
          ?.response;
        if (typeof response?.status === 'number') trace.fcmStatus = response.status;
        const retryAfter = response?.headers?.['retry-after'];
        if (typeof retryAfter === 'string') trace.retryAfter = retryAfter;
        throw error;
      });
    };
  }

  /** Runs `work` (one messaging.send() to `token`) and records the HTTP requests it makes. */
  trace<T>(token: string, work: () => Promise<T>): { trace: SendTrace; result: Promise<T> } {
    const trace: SendTrace = { requests: [], cancelled: false };
    const queue = this.waiting.get(token);
    if (queue) queue.push(trace);
    else this.waiting.set(token, [trace]);
    // async: a library that throws synchronously (firebase-admin validates before its first await) still rejects.
    const result = (async () => work())();
    const settle = (): void => this.unlist(token, trace);
    result.then(settle, settle);
    return { trace, result };
  }

  /**
   * Aborts what a timed-out send still has on the wire, so a late success cannot follow a `retry`.
   * That includes an OAuth token request pending for `hungAfterMs`: firebase-admin shares one
   * refresh between sends and starts no other while it is pending, so a hung one would stall every
   * later send.
   */
  cancel(trace: SendTrace, hungAfterMs: number, now: number = Date.now()): void {
    trace.cancelled = true;
    for (const request of trace.requests) {
      if (!request.destroyed) request.destroy(new Error('push send deadline passed'));
    }
    for (const [request, startedAt] of tokenRequests) {
      if (now - startedAt >= hungAfterMs && !request.destroyed)
        request.destroy(new Error('push send deadline passed: OAuth token request hung'));
    }
  }

  /** The trace of the send this request is for (the same one for the library's retries of it). */
  private claim(config: LibraryRequest): SendTrace | undefined {
    const known = this.byRequest.get(config);
    if (known) return known;
    const token = config.data?.message?.token;
    if (typeof token !== 'string') return undefined;
    // Two sends to one token reach the client in the order they were made (same promise chains).
    const trace = this.waiting.get(token)?.[0];
    if (!trace) return undefined;
    this.unlist(token, trace);
    this.byRequest.set(config, trace);
    return trace;
  }

  private unlist(token: string, trace: SendTrace): void {
    const queue = this.waiting.get(token);
    if (!queue) return;
    const at = queue.indexOf(trace);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0) this.waiting.delete(token);
  }
}

/** Keeps track of OAuth token requests (node's documented channel; any agent). */
function onRequestStart(message: unknown): void {
  const request = (message as { request: ClientRequest }).request;
  // google-auth-library posts the service account's JWT grant here, whatever token_uri says.
  if (request.host === 'oauth2.googleapis.com' && request.path === '/token') {
    tokenRequests.set(request, Date.now());
    request.once('close', () => tokenRequests.delete(request));
  }
}

/** Retry-After as seconds or an HTTP date, in ms from now; undefined when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (value.trim() !== '' && Number.isFinite(seconds)) return Math.max(0, Math.round(seconds * 1000));
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
