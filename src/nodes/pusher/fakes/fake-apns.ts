import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import http2, { type IncomingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import { jwtVerify } from 'jose';
import type { ApnsSettings } from '../providers/apns-provider.js';
import { FakePushService, readBody, type AcceptedPush, type FakeServiceOptions } from './fake-push-service.js';

export interface FakeApnsOptions extends FakeServiceOptions {
  /** The bundle id the fake accepts as apns-topic. Default 'com.example.chatnode'. */
  topic?: string;
  /** Default: 10 random upper-case letters and digits, as Apple issues them. */
  teamId?: string;
  keyId?: string;
}

/** What a provider needs to talk to a started fake. */
export interface FakeApnsInfo {
  port: number;
  caPem: string;
  settings: ApnsSettings;
}

/** Apple's limit for a regular (non-VoIP) notification payload. */
const MAX_PAYLOAD_BYTES = 4096;
/** Apple refuses provider tokens issued more than an hour ago. */
const PROVIDER_TOKEN_MAX_AGE_SEC = 3600;
/** Verified provider tokens remembered at most (a provider has one at a time; this bounds memory). */
const MAX_VERIFIED_TOKENS = 1000;
const PUSH_TYPES = new Set([
  'alert',
  'background',
  'complication',
  'fileprovider',
  'liveactivity',
  'location',
  'mdm',
  'pushtotalk',
  'voip',
  'widgets',
]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Device tokens are hex; 32 bytes today, and Apple warns the length may grow. */
const DEVICE_TOKEN = /^(?:[0-9a-f]{2}){32,100}$/i;

/**
 * A local APNs provider API: HTTP/2 over TLS, `POST /3/device/<token>` with token-based (JWT)
 * authentication, answering with Apple's statuses and `{"reason": ...}` bodies. It makes its own
 * .p8 signing key, key id, team id and topic; `start()` returns the ApnsSettings that match.
 */
export class FakeApns extends FakePushService {
  /** The .p8 signing key (PKCS#8 PEM, P-256) a provider signs its JWTs with. */
  readonly keyPem: string;
  readonly keyId: string;
  readonly teamId: string;
  readonly topic: string;
  private readonly publicKey: KeyObject;
  /** Provider tokens (JWTs) whose signature, key id and team were verified, with their `iat`. */
  private readonly verifiedTokens = new Map<string, number>();

  constructor(options: FakeApnsOptions = {}) {
    super(options);
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.publicKey = createPublicKey(privateKey);
    this.keyId = options.keyId ?? appleId();
    this.teamId = options.teamId ?? appleId();
    this.topic = options.topic ?? 'com.example.chatnode';
    const server = http2.createSecureServer({ key: this.certificate.keyPem, cert: this.certificate.certPem });
    server.on('stream', (stream, headers) => void this.handle(stream, headers));
    server.on('sessionError', () => undefined);
    this.attach(server);
  }

  /** A random device token of the shape APNs issues (64 hex digits). */
  static newDeviceToken(): string {
    return randomBytes(32).toString('hex');
  }

  async start(): Promise<FakeApnsInfo> {
    const port = await this.listen();
    return { port, caPem: this.caPem, settings: this.settings(port) };
  }

  /** Provider settings for this fake (signing key, ids, topic, host, port, CA). */
  settings(port: number): ApnsSettings {
    return {
      keyPem: this.keyPem,
      keyId: this.keyId,
      teamId: this.teamId,
      topic: this.topic,
      production: false,
      host: this.advertisedHost,
      port,
      caPem: this.caPem,
    };
  }

  private async handle(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Promise<void> {
    stream.on('error', () => undefined);
    const body = await readBody(stream).catch(() => null);
    // Reset by the client before the body was in: there is nothing to answer.
    if (body === null) return;
    await this.injectedDelay();
    const answer = await this.answer(headers, body);
    // The client gave up (stream timeout, RST_STREAM) or the fake went down: nothing was delivered.
    if (stream.destroyed || stream.closed) return;
    const apnsId =
      typeof headers['apns-id'] === 'string' && UUID.test(headers['apns-id']) ? headers['apns-id'] : randomUUID();
    const responseHeaders = {
      ':status': answer.status,
      'apns-id': apnsId,
      'apns-unique-id': randomUUID(),
      ...answer.headers,
    };
    if (answer.accepted) this.record(answer.accepted);
    if (answer.reason === undefined) {
      stream.respond(responseHeaders, { endStream: true });
      return;
    }
    stream.respond({ ...responseHeaders, 'content-type': 'application/json' });
    stream.end(JSON.stringify({ reason: answer.reason, ...answer.extra }));
  }

  /** APNs' answer to one request, checked in about the order Apple does: path, auth, headers, payload, token. */
  private async answer(headers: IncomingHttpHeaders, body: Buffer | undefined): Promise<ApnsAnswer> {
    const injected = this.injectedFailure();
    if (injected) {
      const reason = { 429: 'TooManyRequests', 500: 'InternalServerError', 503: 'ServiceUnavailable' }[injected.status];
      const retryAfter: Record<string, string> =
        injected.retryAfterSec === undefined ? {} : { 'retry-after': String(injected.retryAfterSec) };
      return { status: injected.status, reason, headers: retryAfter };
    }
    if (headers[':method'] !== 'POST') return { status: 405, reason: 'MethodNotAllowed' };
    const match = /^\/3\/device\/([^/?]*)$/.exec(headers[':path'] ?? '');
    if (!match) return { status: 404, reason: 'BadPath' };
    const token = match[1] ?? '';
    if (token === '') return { status: 400, reason: 'MissingDeviceToken' };
    const authFailure = await this.checkProviderToken(headers.authorization);
    if (authFailure) return { status: 403, reason: authFailure };
    const headerFailure = headerProblem(headers, this.topic);
    if (headerFailure) return { status: 400, reason: headerFailure };

    if (body === undefined || body.length > MAX_PAYLOAD_BYTES) return { status: 413, reason: 'PayloadTooLarge' };
    if (body.length === 0) return { status: 400, reason: 'PayloadEmpty' };
    let payload: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      payload = parsed as Record<string, unknown>;
    } catch {
      // Apple documents no reason string for malformed JSON; this one is the fake's.
      return { status: 400, reason: 'BadPayload' };
    }

    const state = this.tokenState(token);
    if (state === 'bad' || !DEVICE_TOKEN.test(token)) return { status: 400, reason: 'BadDeviceToken' };
    if (state === 'dead') return { status: 410, reason: 'Unregistered', extra: { timestamp: Date.now() } };
    return { status: 200, accepted: acceptedApnsPush(token, headers, payload) };
  }

  /** undefined when the bearer JWT is valid; else Apple's 403 reason. */
  private async checkProviderToken(authorization: string | undefined): Promise<string | undefined> {
    if (authorization === undefined) return 'MissingProviderToken';
    const match = /^bearer (.+)$/i.exec(authorization);
    if (!match?.[1]) return 'InvalidProviderToken';
    const jwt = match[1];
    // A provider token is reused for up to an hour, so its signature, key id and team are checked
    // once (ES256 verification was ~5% of a benchmark's CPU); its age is checked on every request.
    let issuedAt = this.verifiedTokens.get(jwt);
    if (issuedAt === undefined) {
      try {
        const { payload, protectedHeader } = await jwtVerify(jwt, this.publicKey, { algorithms: ['ES256'] });
        if (protectedHeader.kid !== this.keyId || payload.iss !== this.teamId) return 'InvalidProviderToken';
        if (typeof payload.iat !== 'number') return 'InvalidProviderToken';
        issuedAt = payload.iat;
        // One with its own expiry (APNs tokens have none) is verified again each time, by jose.
        if (payload.exp === undefined && payload.nbf === undefined) {
          if (this.verifiedTokens.size >= MAX_VERIFIED_TOKENS) this.verifiedTokens.clear();
          this.verifiedTokens.set(jwt, issuedAt);
        }
      } catch {
        return 'InvalidProviderToken';
      }
    }
    if (Date.now() / 1000 - issuedAt > PROVIDER_TOKEN_MAX_AGE_SEC) return 'ExpiredProviderToken';
    return undefined;
  }
}

interface ApnsAnswer {
  status: number;
  /** Apple's error string, sent as `{"reason": ...}`; none on success. */
  reason?: string;
  /** More keys of the error body (`timestamp` for 410). */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  accepted?: AcceptedPush;
}

/** The 400 reason for a bad apns-* header, or undefined. */
function headerProblem(headers: IncomingHttpHeaders, appTopic: string): string | undefined {
  const topic = headers['apns-topic'];
  if (topic === undefined || topic === '') return 'MissingTopic';
  if (typeof topic !== 'string' || !/^[A-Za-z0-9.-]+$/.test(topic)) return 'BadTopic';
  // With token auth any of the team's apps could be addressed; the fake knows only its one app.
  if (topic !== appTopic) return 'TopicDisallowed';
  const pushType = headers['apns-push-type'];
  if (pushType !== undefined && !PUSH_TYPES.has(String(pushType))) return 'InvalidPushType';
  const priority = headers['apns-priority'];
  if (priority !== undefined && !['1', '5', '10'].includes(String(priority))) return 'BadPriority';
  const collapseId = headers['apns-collapse-id'];
  if (collapseId !== undefined && Buffer.byteLength(String(collapseId)) > 64) return 'BadCollapseId';
  const expiration = headers['apns-expiration'];
  if (expiration !== undefined && !/^\d+$/.test(String(expiration))) return 'BadExpirationDate';
  const id = headers['apns-id'];
  if (id !== undefined && (typeof id !== 'string' || !UUID.test(id))) return 'BadMessageId';
  return undefined;
}

/** What a device would show, read back from the APNs payload. */
function acceptedApnsPush(token: string, headers: IncomingHttpHeaders, payload: Record<string, unknown>): AcceptedPush {
  const aps = asRecord(payload.aps);
  const alert = aps.alert;
  const alertFields = asRecord(alert);
  const collapseId = headers['apns-collapse-id'];
  const threadId = aps['thread-id'];
  return {
    platform: 'apns',
    token,
    title: typeof alertFields.title === 'string' ? alertFields.title : '',
    body: typeof alert === 'string' ? alert : typeof alertFields.body === 'string' ? alertFields.body : '',
    badge: typeof aps.badge === 'number' ? aps.badge : null,
    room: typeof payload.room === 'string' ? payload.room : '',
    ...(typeof collapseId === 'string' ? { collapseId } : {}),
    ...(typeof threadId === 'string' ? { threadId } : {}),
    at: Date.now(),
    raw: { headers: Object.fromEntries(Object.entries(headers).filter(([name]) => name.startsWith('apns-'))), payload },
  };
}

function appleId(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  return Array.from(randomBytes(10), (byte) => alphabet[byte % alphabet.length]).join('');
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
