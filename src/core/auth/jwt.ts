import {
  createLocalJWKSet,
  createRemoteJWKSet,
  importSPKI,
  jwtVerify,
  SignJWT,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
  type KeyObject,
} from 'jose';
import { createPublicKey } from 'node:crypto';
import { createVerifier } from 'fast-jwt';
import { isId } from '../protocol/ids.js';

export interface JwtSettings {
  /**
   * HS256 shared secret (CHAT_JWT_SECRET or --jwt-secret-file; never argv): at least 32 bytes, counted
   * as the UTF-8 bytes of the string (the HMAC key is those bytes), e.g. 24 random bytes in base64url.
   */
  secret?: string;
  /** PEM public key for RS256, ES256 or EdDSA (CHAT_JWT_PUBLIC_KEY). */
  publicKey?: string;
  /** JWKS endpoint (CHAT_JWKS_URL): `https:` or `file:` only (keys fetched in clear text could be swapped). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /**
   * Longest lifetime a token may have left at hello, in seconds: one whose `exp` is further away is
   * refused, so a leaked token works for this long at most (CHAT_MAX_TOKEN_TTL; default here: no
   * cap, in a role's config: 1 day).
   */
  maxTokenTtlSec?: number;
}

/** HS256 keys shorter than the hash (32 bytes) are guessable offline from one token. */
export const MIN_HS256_SECRET_BYTES = 32;

/** What is wrong with these settings, or undefined: checked when a role's config is read and again by the verifier. */
export function jwtSettingsProblem(settings: JwtSettings): string | undefined {
  if (settings.secret !== undefined) {
    const bytes = Buffer.byteLength(settings.secret, 'utf8');
    if (bytes < MIN_HS256_SECRET_BYTES) {
      return `the HS256 secret must be at least ${MIN_HS256_SECRET_BYTES} bytes (UTF-8 bytes of the string), got ${bytes}: make one with \`openssl rand -base64 32\``;
    }
  }
  if (settings.jwksUrl !== undefined) {
    let protocol: string;
    try {
      protocol = new URL(settings.jwksUrl).protocol;
    } catch {
      return `the JWKS URL ${settings.jwksUrl} is not a URL`;
    }
    if (protocol !== 'https:' && protocol !== 'file:')
      return `the JWKS URL must be https: or file: (keys fetched over ${protocol} could be replaced in transit), got ${settings.jwksUrl}`;
  }
  const ttl = settings.maxTokenTtlSec;
  if (ttl !== undefined && (!Number.isInteger(ttl) || ttl < 0))
    return `max-token-ttl must be a whole number of seconds >= 0, got ${ttl}`;
  return undefined;
}

export interface DeviceIdentity {
  user: string;
  device: string;
  expiresAt: number;
  /** The token's `iat`, in seconds, when it has one (revocations compare it). */
  issuedAt?: number;
}

export interface VerifierOptions {
  /** Why a verified token is refused anyway (an operator revoked it), or undefined. Runs on every verify: keep it in memory. */
  refusal?: (identity: DeviceIdentity) => string | undefined;
}

/** Asymmetric algorithms we accept; never `none`, never HS* for a public key (key-confusion attacks). */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** Verifies hello tokens against whichever keys are configured. */
export class TokenVerifier {
  private readonly verifiers: Array<(token: string) => Promise<JWTPayload>> = [];

  private constructor(
    private readonly settings: JwtSettings,
    private readonly options: VerifierOptions,
  ) {}

  static async create(settings: JwtSettings, options: VerifierOptions = {}): Promise<TokenVerifier> {
    const problem = jwtSettingsProblem(settings);
    if (problem) throw new Error(problem);
    const verifier = new TokenVerifier(settings, options);
    const claims = { issuer: settings.issuer, audience: settings.audience, requiredClaims: ['exp', 'sub'] };
    if (settings.secret) {
      // fast-jwt for HS256: a synchronous node:crypto HMAC, ~7 us of CPU a token on this box
      // against ~50 us for jose's WebCrypto verify (a thread-pool job and its promise per token),
      // which was a tenth of a gateway's CPU while devices connected (docs/benchmarks.md).
      const verifyHs256 = createVerifier({
        key: Buffer.from(settings.secret, 'utf8'),
        algorithms: ['HS256'],
        // An issuer or audience set must be in the token: fast-jwt checks only the claims present.
        requiredClaims: [
          'exp',
          'sub',
          ...(settings.issuer === undefined ? [] : ['iss']),
          ...(settings.audience === undefined ? [] : ['aud']),
        ],
        ...(settings.issuer === undefined ? {} : { allowedIss: settings.issuer }),
        ...(settings.audience === undefined ? {} : { allowedAud: settings.audience }),
      });
      verifier.verifiers.push(async (token) => verifyHs256(token) as JWTPayload);
    }
    if (settings.publicKey) {
      const key = await importPublicKey(settings.publicKey);
      verifier.verifiers.push(
        async (token) => (await jwtVerify(token, key, { ...claims, algorithms: ASYMMETRIC_ALGORITHMS })).payload,
      );
    }
    if (settings.jwksUrl) {
      const jwks: JWTVerifyGetKey = settings.jwksUrl.startsWith('file:')
        ? createLocalJWKSet(
            JSON.parse(
              await (await import('node:fs/promises')).readFile(new URL(settings.jwksUrl), 'utf8'),
            ) as JSONWebKeySet,
          )
        : createRemoteJWKSet(new URL(settings.jwksUrl));
      verifier.verifiers.push(
        async (token) => (await jwtVerify(token, jwks, { ...claims, algorithms: ASYMMETRIC_ALGORITHMS })).payload,
      );
    }
    if (verifier.verifiers.length === 0) {
      throw new Error(
        'no JWT key configured: set CHAT_JWT_SECRET, CHAT_JWT_PUBLIC_KEY or CHAT_JWKS_URL (or the matching flags)',
      );
    }
    return verifier;
  }

  async verify(token: string): Promise<DeviceIdentity> {
    let lastError: unknown;
    for (const verify of this.verifiers) {
      try {
        const identity = identityOf(await verify(token), this.settings.maxTokenTtlSec);
        const refusal = this.options.refusal?.(identity);
        if (refusal) throw new InvalidTokenError(refusal);
        return identity;
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        lastError = error;
      }
    }
    const reason = lastError instanceof Error ? lastError.message : 'invalid token';
    throw new InvalidTokenError(reason);
  }
}

function identityOf(payload: JWTPayload, maxTokenTtlSec: number | undefined): DeviceIdentity {
  const device = payload['device'];
  if (!isId(payload.sub)) throw new InvalidTokenError('claim sub must be a user id matching ^[A-Za-z0-9_-]{1,64}$');
  if (!isId(device)) throw new InvalidTokenError('claim device must be a device id matching ^[A-Za-z0-9_-]{1,64}$');
  const exp = payload.exp ?? 0;
  // Measured from now, not from iat: the cap needs no iat, and an issuer's clock cannot stretch it.
  if (maxTokenTtlSec && exp - Date.now() / 1000 > maxTokenTtlSec) {
    throw new InvalidTokenError(
      `the token expires more than the cluster's max-token-ttl (${maxTokenTtlSec} s) from now: ask for a shorter-lived one`,
    );
  }
  return { user: payload.sub, device, expiresAt: exp * 1000, issuedAt: payload.iat };
}

async function importPublicKey(pem: string): Promise<KeyObject> {
  // createPublicKey detects RSA, EC and Ed25519 alike; importSPKI would need the algorithm up front.
  try {
    return createPublicKey(pem);
  } catch {
    return await importSPKI(pem, 'RS256');
  }
}

/** Mints a device token with the HS256 secret (dev clusters, `chat-node token`, tests). */
export async function signDeviceToken(opts: {
  secret: string;
  user: string;
  device: string;
  ttlSeconds: number;
  issuer?: string;
  audience?: string;
}): Promise<string> {
  let jwt = new SignJWT({ device: opts.device })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(opts.user)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + opts.ttlSeconds);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(opts.secret));
}

/** Parses "90s", "15m", "1h", "7d" or a number of seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*(s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new Error(`invalid duration ${JSON.stringify(text)}: use e.g. 90s, 15m, 1h or 7d`);
  const units: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400 };
  return Number(match[1]) * (units[match[2] ?? 's'] ?? 1);
}
