import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtVerify } from 'jose';
import type { FcmSettings } from '../providers/fcm-provider.js';
import { FakePushService, readBody, type AcceptedPush, type FakeServiceOptions } from './fake-push-service.js';

export interface FakeFcmOptions extends FakeServiceOptions {
  /** The Firebase project the fake serves. Default 'chat-node-fake'. */
  projectId?: string;
}

/** What a provider needs to talk to a started fake. */
export interface FakeFcmInfo {
  port: number;
  caPem: string;
  settings: FcmSettings;
}

/** Where google-auth-library sends the JWT grant; the audience it signs for. */
const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const MESSAGING_SCOPES = [
  'https://www.googleapis.com/auth/firebase.messaging',
  'https://www.googleapis.com/auth/cloud-platform',
];
const ACCESS_TOKEN_LIFETIME_SEC = 3599;
/** FCM's limit for the payload of a message to a token. */
const MAX_MESSAGE_BYTES = 4096;
const FCM_ERROR = 'type.googleapis.com/google.firebase.fcm.v1.FcmError';
const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';
const REGISTRATION_TOKEN = /^[A-Za-z0-9_:.-]+$/;

/**
 * A local FCM HTTP v1 API: `POST /v1/projects/{projectId}/messages:send` with Google's request and
 * error shapes, and the OAuth 2.0 token endpoint (`POST /token`, JWT bearer grant) that a service
 * account credential calls first; sends must carry a bearer token it issued. It makes the service
 * account (RSA key) it accepts; `start()` returns the FcmSettings that match.
 */
export class FakeFcm extends FakePushService {
  readonly projectId: string;
  /** The key file a provider signs its JWT grant with. */
  readonly serviceAccount: { client_email: string; private_key: string; project_id: string };
  /** How many access tokens the fake has issued. */
  grants = 0;
  private readonly publicKey: KeyObject;
  private readonly accessTokens = new Map<string, number>();
  private readonly idPrefix = randomBytes(4).toString('hex');
  private sent = 0;

  constructor(options: FakeFcmOptions = {}) {
    super(options);
    this.projectId = options.projectId ?? 'chat-node-fake';
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.publicKey = createPublicKey(privateKey);
    this.serviceAccount = {
      client_email: `firebase-adminsdk@${this.projectId}.iam.gserviceaccount.com`,
      private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      project_id: this.projectId,
    };
    const server = https.createServer(
      { key: this.certificate.keyPem, cert: this.certificate.certPem },
      (request, response) => {
        void this.handle(request, response).catch(() => response.destroy());
      },
    );
    this.attach(server);
  }

  /** A random registration token of the shape FCM issues. */
  static newRegistrationToken(): string {
    return `${randomBytes(16).toString('base64url')}:APA91b${randomBytes(100).toString('base64url')}`;
  }

  async start(): Promise<FakeFcmInfo> {
    const port = await this.listen();
    return { port, caPem: this.caPem, settings: this.settings(port) };
  }

  /** Provider settings for this fake (project, service account, endpoint, token URI, CA). */
  settings(port: number): FcmSettings {
    const origin = `https://${this.advertisedHost}:${port}`;
    return {
      projectId: this.projectId,
      serviceAccount: { ...this.serviceAccount },
      endpoint: origin,
      tokenUri: `${origin}/token`,
      caPem: this.caPem,
    };
  }

  /** Forgets every access token it issued, as if they had been revoked: sends get 401 until a new grant. */
  revokeAccessTokens(): void {
    this.accessTokens.clear();
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const target = request.url ?? '/';
    const query = target.indexOf('?');
    const pathname = query < 0 ? target : target.slice(0, query);
    if (request.method === 'POST' && pathname === '/token') return this.grant(body, response);
    const send = /^\/v1\/projects\/([^/]+)\/messages:send$/.exec(pathname);
    if (request.method === 'POST' && send) {
      await this.injectedDelay();
      // The client gave up meanwhile (timeout) or the fake went down: nothing was delivered.
      if (request.socket.destroyed || response.destroyed) return;
      return this.send(decodeURIComponent(send[1] ?? ''), request, body, response);
    }
    googleError(response, 404, 'NOT_FOUND', `The requested URL ${pathname} was not found on this server.`);
  }

  /** The OAuth 2.0 token endpoint, JWT bearer grant (RFC 7523) as Google runs it. */
  private async grant(body: Buffer | undefined, response: ServerResponse): Promise<void> {
    const form = new URLSearchParams(body?.toString('utf8') ?? '');
    const grantType = form.get('grant_type');
    if (grantType !== JWT_BEARER_GRANT)
      return oauthError(response, 'unsupported_grant_type', `Invalid grant_type: ${grantType ?? ''}`);
    const assertion = form.get('assertion') ?? '';
    let claims: Record<string, unknown>;
    try {
      claims = (await jwtVerify(assertion, this.publicKey, { algorithms: ['RS256'] })).payload;
    } catch (error) {
      const expired = (error as { code?: string }).code === 'ERR_JWT_EXPIRED';
      return oauthError(response, 'invalid_grant', expired ? SHORT_LIVED : 'Invalid JWT Signature.');
    }
    if (claims.iss !== this.serviceAccount.client_email)
      return oauthError(response, 'invalid_grant', 'Invalid grant: account not found');
    if (claims.aud !== GOOGLE_TOKEN_URL) {
      return oauthError(
        response,
        'invalid_grant',
        `Invalid JWT: Failed audience check. The right audience is ${GOOGLE_TOKEN_URL}`,
      );
    }
    const { iat, exp } = claims;
    if (typeof iat !== 'number' || typeof exp !== 'number' || exp - iat > 3600)
      return oauthError(response, 'invalid_grant', SHORT_LIVED);
    const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
    if (!scopes.some((scope) => MESSAGING_SCOPES.includes(scope))) {
      return oauthError(response, 'invalid_scope', 'Invalid OAuth scope or ID token audience provided.');
    }
    const accessToken = `ya29.fake-${randomBytes(24).toString('base64url')}`;
    this.accessTokens.set(accessToken, Date.now() + ACCESS_TOKEN_LIFETIME_SEC * 1000);
    this.grants += 1;
    json(response, 200, { access_token: accessToken, expires_in: ACCESS_TOKEN_LIFETIME_SEC, token_type: 'Bearer' });
  }

  private send(project: string, request: IncomingMessage, body: Buffer | undefined, response: ServerResponse): void {
    const injected = this.injectedFailure();
    if (injected) {
      const retryAfter: Record<string, string> =
        injected.retryAfterSec === undefined ? {} : { 'retry-after': String(injected.retryAfterSec) };
      const [status, errorCode, message] = INJECTED_ERRORS[injected.status];
      return googleError(response, injected.status, status, message, [{ '@type': FCM_ERROR, errorCode }], retryAfter);
    }
    const bearer = /^Bearer (.+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const expiresAt = bearer === undefined ? undefined : this.accessTokens.get(bearer);
    if (expiresAt === undefined || expiresAt < Date.now()) {
      return googleError(
        response,
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
      );
    }
    if (project !== this.projectId) {
      const resource = `//cloudresourcemanager.googleapis.com/projects/${project}`;
      return googleError(
        response,
        403,
        'PERMISSION_DENIED',
        `Permission 'cloudmessaging.messages.create' denied on resource '${resource}' (or it may not exist).`,
      );
    }
    let message: Record<string, unknown>;
    let validateOnly = false;
    try {
      const parsed = JSON.parse(body?.toString('utf8') ?? '') as { message?: unknown; validate_only?: unknown };
      message = asRecord(parsed.message);
      validateOnly = parsed.validate_only === true;
    } catch {
      return invalidArgument(response, 'Invalid JSON payload received.', '');
    }
    const token = message.token;
    if (token === undefined && message.topic === undefined && message.condition === undefined) {
      return invalidArgument(response, 'Recipient of the message is not set.', 'message');
    }
    if (typeof token !== 'string')
      return invalidArgument(response, 'The fake FCM sends to registration tokens only.', 'message.token');
    const data = asRecord(message.data);
    const nonString = Object.entries(data).findIndex(([, value]) => typeof value !== 'string');
    if (nonString >= 0) {
      const field = `message.data[${nonString}].value`;
      return invalidArgument(response, `Invalid value at '${field}' (TYPE_STRING)`, field);
    }
    // The limit counts the payload, not the address.
    if (Buffer.byteLength(JSON.stringify({ ...message, token: undefined })) > MAX_MESSAGE_BYTES) {
      return invalidArgument(response, 'Message is too big', 'message');
    }

    const state = this.tokenState(token);
    if (state === 'bad' || !REGISTRATION_TOKEN.test(token)) {
      return googleError(
        response,
        400,
        'INVALID_ARGUMENT',
        'The registration token is not a valid FCM registration token',
        [{ '@type': FCM_ERROR, errorCode: 'INVALID_ARGUMENT' }],
      );
    }
    if (state === 'dead') {
      return googleError(response, 404, 'NOT_FOUND', 'Requested entity was not found.', [
        { '@type': FCM_ERROR, errorCode: 'UNREGISTERED' },
      ]);
    }

    // Real ids look like 0:1500415314455276%31bd1c9631bd1c96 (here unique by a counter).
    const id = validateOnly
      ? 'fake_message_id'
      : `0:${Date.now()}%${this.idPrefix}${(this.sent++).toString(16).padStart(8, '0')}`;
    if (!validateOnly) this.record(acceptedFcmPush(token, message));
    json(response, 200, { name: `projects/${this.projectId}/messages/${id}` });
  }
}

/** Google's status, FCM's errorCode and the message for each status a fake outage answers with. */
const INJECTED_ERRORS: Record<429 | 500 | 503, [string, string, string]> = {
  429: [
    'RESOURCE_EXHAUSTED',
    'QUOTA_EXCEEDED',
    "Quota exceeded for quota metric 'Send requests' of service 'fcm.googleapis.com'.",
  ],
  500: ['INTERNAL', 'INTERNAL', 'Internal error encountered.'],
  503: ['UNAVAILABLE', 'UNAVAILABLE', 'The service is currently unavailable.'],
};

const SHORT_LIVED =
  'Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim.';

/** What a device would show, read back from the v1 message as the libraries write it (snake_case). */
function acceptedFcmPush(token: string, message: Record<string, unknown>): AcceptedPush {
  const data = asRecord(message.data);
  const notification = asRecord(message.notification);
  const android = asRecord(message.android);
  const androidNotification = asRecord(android.notification);
  const apns = asRecord(message.apns);
  const aps = asRecord(asRecord(apns.payload).aps);
  const badge =
    androidNotification.notification_count ?? aps.badge ?? (data.badge === undefined ? undefined : Number(data.badge));
  const collapseId = android.collapse_key ?? asRecord(apns.headers)['apns-collapse-id'];
  const threadId = androidNotification.tag ?? aps['thread-id'];
  return {
    platform: 'fcm',
    token,
    title: stringOr(notification.title, stringOr(androidNotification.title, '')),
    body: stringOr(notification.body, stringOr(androidNotification.body, '')),
    badge: typeof badge === 'number' && Number.isFinite(badge) ? badge : null,
    room: stringOr(data.room, ''),
    ...(typeof collapseId === 'string' ? { collapseId } : {}),
    ...(typeof threadId === 'string' ? { threadId } : {}),
    at: Date.now(),
    raw: { message },
  };
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (response.destroyed || response.headersSent) return;
  response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers });
  response.end(JSON.stringify(body));
}

/** Google's API error body: `{ error: { code, message, status, details } }`. */
function googleError(
  response: ServerResponse,
  code: number,
  status: string,
  message: string,
  details: unknown[] = [],
  headers: Record<string, string> = {},
): void {
  json(response, code, { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } }, headers);
}

function invalidArgument(response: ServerResponse, message: string, field: string): void {
  googleError(response, 400, 'INVALID_ARGUMENT', message, [
    { '@type': BAD_REQUEST, fieldViolations: [{ field, description: message }] },
  ]);
}

/** OAuth 2.0 error body (RFC 6749 5.2), as Google's token endpoint answers. */
function oauthError(response: ServerResponse, error: string, description: string): void {
  json(response, 400, { error, error_description: description });
}

function asRecord(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}
