import { AsyncLocalStorage } from 'node:async_hooks';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';

/**
 * firebase-admin hard-codes https://fcm.googleapis.com for sends and google-auth-library
 * hard-codes https://oauth2.googleapis.com/token for the service account's JWT grant (the
 * `token_uri` of the key file is ignored). Both accept an http(s) agent (`httpAgent` on the app
 * options and on `cert()`), so this agent is where a fake is swapped in: it opens the TLS
 * connection to the fake's host and port, verifies the fake's certificate for that host, and
 * leaves the request (Host header, path, body) exactly as the libraries wrote it.
 */
export class GoogleEndpointAgent extends https.Agent {
  /** `host:port` the library asks for -> where to connect instead. */
  private readonly routes: Map<string, URL>;

  constructor(routes: Map<string, URL>, caPem: string | undefined) {
    super({ keepAlive: true, ...(caPem === undefined ? {} : { ca: caPem }) });
    this.routes = routes;
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const asked = `${options.host ?? options.hostname ?? ''}:${options.port ?? 443}`;
    const target = this.routes.get(asked);
    if (!target) return super.createConnection(options, callback);
    const host = target.hostname.replace(/^\[|\]$/g, '');
    const servername = isIP(host) === 0 ? host : undefined;
    return super.createConnection({ ...options, host, hostname: host, port: Number(target.port || 443), servername }, callback);
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
    if (url.pathname !== '/token') throw new Error(`tokenUri must end in /token (google-auth-library posts there): ${tokenUri}`);
    routes.set('oauth2.googleapis.com:443', url);
  }
  if (routes.size === 0 && caPem === undefined) return undefined;
  return new GoogleEndpointAgent(routes, caPem);
}

/** What one send saw on the wire: its requests (to cancel them) and the FCM answer's status and headers. */
export interface SendTrace {
  requests: ClientRequest[];
  /** Set when the send's deadline passed: whatever it still starts (library retries) is aborted. */
  cancelled: boolean;
  fcmStatus?: number;
  retryAfter?: string;
}

const traces = new AsyncLocalStorage<SendTrace>();
let subscribed = false;

/**
 * Runs `work` (a firebase-admin call) and records the HTTP requests it makes. The library's errors
 * drop the response headers, so Retry-After on 429/503 would be lost; node's documented
 * 'http.client.request.start' channel plus an AsyncLocalStorage context tie each request to the
 * send that caused it, even with many sends in flight on one agent.
 */
export function traceSend<T>(work: () => Promise<T>): { trace: SendTrace; result: Promise<T> } {
  if (!subscribed) {
    subscribed = true;
    diagnosticsChannel.subscribe('http.client.request.start', onRequestStart);
  }
  const trace: SendTrace = { requests: [], cancelled: false };
  // async: a library that throws synchronously (firebase-admin validates before its first await) still rejects.
  return { trace, result: traces.run(trace, async () => work()) };
}

function onRequestStart(message: unknown): void {
  const trace = traces.getStore();
  if (!trace) return;
  const request = (message as { request: ClientRequest }).request;
  if (trace.cancelled) {
    process.nextTick(() => request.destroy(new Error('push send deadline passed')));
    return;
  }
  trace.requests.push(request);
  if (!request.path.includes('/messages:send')) return;
  request.once('response', (response: IncomingMessage) => {
    trace.fcmStatus = response.statusCode;
    const retryAfter = response.headers['retry-after'];
    if (retryAfter !== undefined) trace.retryAfter = retryAfter;
  });
}

/**
 * Aborts what a timed-out send still has on the wire, so a late success cannot follow a `retry`.
 * That includes a hung OAuth token request: firebase-admin shares one refresh between sends and
 * starts no other while it is pending, so a hung one would stall every later send.
 */
export function cancelTrace(trace: SendTrace): void {
  trace.cancelled = true;
  for (const request of trace.requests) {
    if (!request.destroyed) request.destroy(new Error('push send deadline passed'));
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
