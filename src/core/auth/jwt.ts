import { createLocalJWKSet, createRemoteJWKSet, importSPKI, jwtVerify, SignJWT, type JWTPayload, type JWTVerifyGetKey, type KeyObject } from 'jose';
import { createPublicKey, webcrypto } from 'node:crypto';
import { isId } from '../protocol/ids.js';

export interface JwtSettings {
  /** HS256 shared secret (CHAT_JWT_SECRET). */
  secret?: string;
  /** PEM public key for RS256, ES256 or EdDSA (CHAT_JWT_PUBLIC_KEY). */
  publicKey?: string;
  /** JWKS endpoint (CHAT_JWKS_URL). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
}

export interface DeviceIdentity {
  user: string;
  device: string;
  expiresAt: number;
}

/** Asymmetric algorithms we accept; never `none`, never HS* for a public key (key-confusion attacks). */
const ASYMMETRIC_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];

export class InvalidTokenError extends Error {
  override name = 'InvalidTokenError';
}

/** Verifies hello tokens against whichever keys are configured. */
export class TokenVerifier {
  private readonly verifiers: Array<(token: string) => Promise<JWTPayload>> = [];

  private constructor(private readonly settings: JwtSettings) {}

  static async create(settings: JwtSettings): Promise<TokenVerifier> {
    const verifier = new TokenVerifier(settings);
    const options = { issuer: settings.issuer, audience: settings.audience, requiredClaims: ['exp', 'sub'] };
    if (settings.secret) {
      // A WebCrypto key made once: given the raw bytes jose imports the key on every verify (8-9%
      // of a gateway worker's CPU while devices connect), and given a KeyObject it converts it on
      // every verify (~100 us of CPU each on this 2-core box; ~50 us with the CryptoKey).
      const key = await webcrypto.subtle.importKey('raw', Buffer.from(settings.secret, 'utf8'), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
      verifier.verifiers.push(async (token) => (await jwtVerify(token, key, { ...options, algorithms: ['HS256'] })).payload);
    }
    if (settings.publicKey) {
      const key = await importPublicKey(settings.publicKey);
      verifier.verifiers.push(async (token) => (await jwtVerify(token, key, { ...options, algorithms: ASYMMETRIC_ALGORITHMS })).payload);
    }
    if (settings.jwksUrl) {
      const jwks: JWTVerifyGetKey = settings.jwksUrl.startsWith('file:')
        ? createLocalJWKSet(JSON.parse(await (await import('node:fs/promises')).readFile(new URL(settings.jwksUrl), 'utf8')))
        : createRemoteJWKSet(new URL(settings.jwksUrl));
      verifier.verifiers.push(async (token) => (await jwtVerify(token, jwks, { ...options, algorithms: ASYMMETRIC_ALGORITHMS })).payload);
    }
    if (verifier.verifiers.length === 0) {
      throw new Error('no JWT key configured: set CHAT_JWT_SECRET, CHAT_JWT_PUBLIC_KEY or CHAT_JWKS_URL (or the matching flags)');
    }
    return verifier;
  }

  async verify(token: string): Promise<DeviceIdentity> {
    let lastError: unknown;
    for (const verify of this.verifiers) {
      try {
        return identityOf(await verify(token));
      } catch (error) {
        if (error instanceof InvalidTokenError) throw error;
        lastError = error;
      }
    }
    const reason = lastError instanceof Error ? lastError.message : 'invalid token';
    throw new InvalidTokenError(reason);
  }
}

function identityOf(payload: JWTPayload): DeviceIdentity {
  const device = payload['device'];
  if (!isId(payload.sub)) throw new InvalidTokenError('claim sub must be a user id matching ^[A-Za-z0-9_-]{1,64}$');
  if (!isId(device)) throw new InvalidTokenError('claim device must be a device id matching ^[A-Za-z0-9_-]{1,64}$');
  return { user: payload.sub, device, expiresAt: (payload.exp ?? 0) * 1000 };
}

async function importPublicKey(pem: string): Promise<KeyObject> {
  // createPublicKey detects RSA, EC and Ed25519 alike; importSPKI would need the algorithm up front.
  try {
    return createPublicKey(pem);
  } catch {
    return (await importSPKI(pem, 'RS256')) as KeyObject;
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
