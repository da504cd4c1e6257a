import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Server as TlsServer } from 'node:tls';
import { LOOPBACK_HOSTS, TestCa, type ServerCertificate } from './test-ca.js';

/**
 * How a fake behaves. `down`: stops listening and drops every connection (clients see connection
 * refused or reset), reversibly: any other mode listens again on the same port. `status`: answers
 * every send with that status in the provider's error format (with Retry-After when given).
 * `slow`: answers each send `delayMs` late; a send its client gave up on meanwhile is not accepted.
 */
export type FakeMode =
  | { kind: 'ok' }
  | { kind: 'down' }
  | { kind: 'status'; status: 429 | 500 | 503; retryAfterSec?: number }
  | { kind: 'slow'; delayMs: number };

/** A push the fake accepted (answered 200), as read back from the wire. */
export interface AcceptedPush {
  platform: 'apns' | 'fcm';
  token: string;
  /** '' when the push had no title (or no alert at all). */
  title: string;
  body: string;
  /** null when the push did not set a badge. */
  badge: number | null;
  /** The `room` custom data; '' when absent. */
  room: string;
  collapseId?: string;
  threadId?: string;
  /** Epoch ms when it was accepted. */
  at: number;
  /** The request as received: APNs `{ headers, payload }`, FCM the JSON body `{ message }`. */
  raw: unknown;
}

export interface FakeServiceOptions {
  /** Address to listen on. Default '127.0.0.1'. */
  listenHost?: string;
  /** Port to listen on. Default 0 (the OS picks; `start()` reports it). */
  port?: number;
  /** Host name the providers are told to connect to. Default 'localhost'. */
  advertisedHost?: string;
  /** CA that signs the fake's certificate; share one between fakes. Default: a new one. */
  ca?: TestCa;
  /** Names and addresses in the fake's certificate. Default localhost, 127.0.0.1, ::1. */
  certificateHosts?: string[];
  /**
   * How many accepted pushes `accepted` keeps (the oldest go first; `onAccepted` sees them all), so
   * a long dev-cluster run does not grow without bound. Default 10 000.
   */
  retainAccepted?: number;
}

/** Reading a request body stops here (the providers' limits are 4 KB; this only bounds memory). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * What FakeApns and FakeFcm share: the TLS listener and its reversible outage, the failure mode,
 * dead and bad tokens, and the record of accepted pushes.
 */
export abstract class FakePushService {
  /** The pushes answered with success, oldest first (the last `retainAccepted` of them at least). */
  readonly accepted: AcceptedPush[] = [];
  readonly ca: TestCa;
  protected readonly certificate: ServerCertificate;
  protected readonly advertisedHost: string;
  private readonly listenHost: string;
  private readonly retainAccepted: number;
  private boundPort: number;
  private server: TlsServer | undefined;
  private started = false;
  private listening = false;
  private mode: FakeMode = { kind: 'ok' };
  private readonly sockets = new Set<Socket>();
  private readonly deadTokens = new Set<string>();
  private readonly badTokens = new Set<string>();
  private readonly acceptedListeners = new Set<(push: AcceptedPush) => void>();

  protected constructor(options: FakeServiceOptions) {
    this.ca = options.ca ?? TestCa.create();
    this.certificate = this.ca.issueServerCertificate(options.certificateHosts ?? LOOPBACK_HOSTS);
    this.listenHost = options.listenHost ?? '127.0.0.1';
    this.boundPort = options.port ?? 0;
    this.advertisedHost = options.advertisedHost ?? 'localhost';
    this.retainAccepted = options.retainAccepted ?? 10_000;
  }

  /** Subclasses hand over their server once built; connections are tracked so `down` can drop them. */
  protected attach(server: TlsServer): void {
    this.server = server;
    server.on('connection', (socket: Socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A client that gives up mid-handshake (or distrusts the CA) is not the fake's problem.
    server.on('tlsClientError', () => undefined);
  }

  get caPem(): string {
    return this.ca.caPem;
  }

  /** The port the fake listens on (and listens on again after `down`); 0 before the first start. */
  get port(): number {
    return this.boundPort;
  }

  /** Starts listening (again after stop(); a no-op while listening); resolves with the port. */
  protected async listen(): Promise<number> {
    this.started = true;
    // Bound even when starting `down`, so that the port is known and kept for when it comes back.
    if (!this.listening) await this.openListener();
    if (this.mode.kind === 'down') await this.closeListener();
    return this.boundPort;
  }

  /** Stops listening and drops every connection. The record of accepted pushes stays. */
  async stop(): Promise<void> {
    this.started = false;
    await this.closeListener();
  }

  currentMode(): FakeMode {
    return this.mode;
  }

  /** Switches the failure mode; leaving `down` listens again on the same port. */
  async setMode(mode: FakeMode): Promise<void> {
    this.mode = mode;
    if (!this.started) return;
    if (mode.kind === 'down') await this.closeListener();
    else if (!this.listening) await this.openListener();
  }

  /** From now on sends to `token` get APNs 410 Unregistered / FCM UNREGISTERED. */
  killToken(token: string): void {
    this.deadTokens.add(token);
  }

  /** From now on sends to `token` get APNs 400 BadDeviceToken / FCM INVALID_ARGUMENT. */
  badToken(token: string): void {
    this.badTokens.add(token);
  }

  /** Calls `listener` with each accepted push (e.g. to append it to a JSONL file); returns the unsubscribe. */
  onAccepted(listener: (push: AcceptedPush) => void): () => void {
    this.acceptedListeners.add(listener);
    return () => this.acceptedListeners.delete(listener);
  }

  protected tokenState(token: string): 'ok' | 'dead' | 'bad' {
    if (this.badTokens.has(token)) return 'bad';
    if (this.deadTokens.has(token)) return 'dead';
    return 'ok';
  }

  /** The injected failure for sends in `status` mode. */
  protected injectedFailure(): { status: 429 | 500 | 503; retryAfterSec?: number } | undefined {
    return this.mode.kind === 'status' ? this.mode : undefined;
  }

  /** Waits out `slow` mode. */
  protected async injectedDelay(): Promise<void> {
    if (this.mode.kind === 'slow') await sleep(this.mode.delayMs);
  }

  protected record(push: AcceptedPush): void {
    this.accepted.push(push);
    // Trimmed in batches (a tenth over the limit) so that recording stays O(1) amortised.
    if (this.accepted.length > this.retainAccepted * 1.1)
      this.accepted.splice(0, this.accepted.length - this.retainAccepted);
    for (const listener of this.acceptedListeners) {
      try {
        listener(push);
      } catch {
        // A failing observer must not turn an accepted push into a failed send.
      }
    }
  }

  private async openListener(): Promise<void> {
    const server = this.requireServer();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      server.once('error', onError);
      server.listen(this.boundPort, this.listenHost, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const address = server.address();
    if (address && typeof address === 'object') this.boundPort = address.port;
    this.listening = true;
  }

  private async closeListener(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const server = this.requireServer();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  private requireServer(): TlsServer {
    if (!this.server) throw new Error('fake push service: attach(server) was not called');
    return this.server;
  }
}

/**
 * The whole body, or undefined when it is larger than the fake keeps. An oversized body is still
 * read to its end (and dropped) so that the request can be answered (413 / 400) rather than reset.
 */
export function readBody(stream: Readable): Promise<Buffer | undefined> {
  // Events rather than `for await`: an async iterator per request was a visible share of a fake's cost.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on('data', (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size <= MAX_BODY_BYTES) chunks.push(buffer);
    });
    let ended = false;
    stream.once('end', () => {
      ended = true;
      resolve(size > MAX_BODY_BYTES ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    });
    stream.once('error', reject);
    // A stream destroyed before its end (the client reset it) ends neither way.
    stream.once('close', () => {
      if (!ended) reject(new Error('request closed before its end'));
    });
  });
}
