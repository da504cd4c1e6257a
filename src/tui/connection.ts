import { Flags } from '@oclif/core';
import { jwtSecretFlags, jwtSecretOf } from '../cli/flags.js';
import { signDeviceToken } from '../core/auth/jwt.js';
import { DEFAULT_DATA_DIR, devSecretPath, readDevSecret } from '../core/config/dev-secret.js';
import { TRANSPORT_CHOICES, type TokenSource, type TransportChoice } from '../core/client/index.js';
import { isId } from '../core/protocol/ids.js';

/**
 * How `chat`, `send` and `tail` reach a cluster: gateway URLs, and a token, given
 * (`--token`, CHAT_TOKEN) or signed here for `--user` and `--device` with the dev cluster's
 * secret (--jwt-secret-file, CHAT_JWT_SECRET, or the one `chat-node dev` keeps in --data-dir).
 */

export const DEFAULT_URL = 'ws://127.0.0.1:8080/v1/ws';

/** Lifetime of a token signed here; a new one is signed for every connection. */
const DEV_TOKEN_TTL_SECONDS = 12 * 3600;

export const clientFlags = {
  url: Flags.string({
    description: `gateway WebSocket URL; several comma-separated (each reconnect moves to the next). host:port is enough`,
    env: 'CHAT_URL',
    default: DEFAULT_URL,
    helpGroup: 'CONNECTION',
  }),
  transport: Flags.string({
    description:
      'ws: a WebSocket; longpoll: HTTP long-polling on the same gateway port (for networks that cannot hold a WebSocket); auto: a WebSocket, long-poll when the upgrade fails',
    env: 'CHAT_TRANSPORT',
    options: [...TRANSPORT_CHOICES],
    default: 'ws',
    helpGroup: 'CONNECTION',
  }),
  token: Flags.string({
    description: 'device token (JWT); wins over --user/--device',
    env: 'CHAT_TOKEN',
    helpGroup: 'CONNECTION',
  }),
  user: Flags.string({
    description: 'user id: sign a development token for this user (needs --device)',
    helpGroup: 'CONNECTION',
  }),
  device: Flags.string({ description: 'device id of that development token', helpGroup: 'CONNECTION' }),
  'data-dir': Flags.string({
    description: "data folder: the dev secret (from `chat-node dev`), and this device's sync cursors",
    env: 'CHAT_DATA_DIR',
    default: DEFAULT_DATA_DIR,
    helpGroup: 'CONNECTION',
  }),
  ...jwtSecretFlags,
  'jwt-issuer': Flags.string({
    description: 'iss claim of the development token',
    env: 'CHAT_JWT_ISSUER',
    helpGroup: 'CONNECTION',
  }),
  'jwt-audience': Flags.string({
    description: 'aud claim of the development token',
    env: 'CHAT_JWT_AUDIENCE',
    helpGroup: 'CONNECTION',
  }),
};

export interface ClientFlagValues {
  url: string;
  transport?: string | undefined;
  token?: string | undefined;
  user?: string | undefined;
  device?: string | undefined;
  'data-dir': string;
  'jwt-secret'?: string | undefined;
  'jwt-secret-file'?: string | undefined;
  'jwt-issuer'?: string | undefined;
  'jwt-audience'?: string | undefined;
}

export interface ClientTarget {
  urls: string[];
  /** How to reach the gateways (--transport, default ws). */
  transport: TransportChoice;
  token: TokenSource;
  /** Who the token is for, when known before connecting (the welcome says for sure). */
  user: string | undefined;
  device: string | undefined;
  dataDir: string;
  /** The token was signed here: a refusal means the secret does not match the cluster's. */
  signedHere: boolean;
}

/** A usage problem with the flags (exit code 2). */
export class UsageError extends Error {}

/** resolveTarget for a command: a usage problem exits 2 with its message. */
export function targetOrExit(
  command: { error(message: string, options: { exit: number }): never },
  flags: ClientFlagValues,
): ClientTarget {
  try {
    return resolveTarget(flags);
  } catch (error) {
    if (error instanceof UsageError) command.error(error.message, { exit: 2 });
    throw error;
  }
}

export function resolveTarget(flags: ClientFlagValues): ClientTarget {
  const urls = parseUrls(flags.url);
  const transport = (flags.transport ?? 'ws') as TransportChoice;
  if (!TRANSPORT_CHOICES.includes(transport))
    throw new UsageError(`--transport must be one of ${TRANSPORT_CHOICES.join(', ')}`);
  const dataDir = flags['data-dir'];
  if (flags.token) {
    const claims = peekClaims(flags.token);
    return {
      urls,
      transport,
      token: flags.token,
      user: claims.user,
      device: claims.device,
      dataDir,
      signedHere: false,
    };
  }
  const { user, device } = flags;
  if (user === undefined || device === undefined) {
    throw new UsageError('give --token (or CHAT_TOKEN), or --user and --device to sign a development token');
  }
  for (const [name, value] of [
    ['user', user],
    ['device', device],
  ] as const) {
    if (!isId(value)) throw new UsageError(`--${name} must match ^[A-Za-z0-9_-]{1,64}$`);
  }
  let secret: string | undefined;
  try {
    secret = jwtSecretOf(flags) ?? readDevSecret(dataDir);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (!secret) {
    throw new UsageError(
      `no secret to sign a token for ${user}: set CHAT_JWT_SECRET, point --data-dir at the folder of \`chat-node dev\` (${devSecretPath(dataDir)} is missing), or pass --token`,
    );
  }
  const token = () =>
    signDeviceToken({
      secret,
      user,
      device,
      ttlSeconds: DEV_TOKEN_TTL_SECONDS,
      issuer: flags['jwt-issuer'],
      audience: flags['jwt-audience'],
    });
  return { urls, transport, token, user, device, dataDir, signedHere: true };
}

/** "ws://a/v1/ws,b:8081" -> full WebSocket URLs; host:port gets ws:// and /v1/ws. */
export function parseUrls(text: string): string[] {
  const urls = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const withScheme = /^[a-z]+:\/\//i.test(part) ? part : `ws://${part}`;
      let url: URL;
      try {
        url = new URL(withScheme);
      } catch {
        throw new UsageError(`--url: ${JSON.stringify(part)} is not a URL (e.g. ws://127.0.0.1:8080/v1/ws)`);
      }
      if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
        throw new UsageError(`--url: ${part} is not a ws:// or wss:// URL`);
      if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1/ws';
      return url.toString();
    });
  if (urls.length === 0) throw new UsageError('--url names no gateway');
  return urls;
}

/** The user and device a JWT names, read without checking it (the server does that). */
export function peekClaims(token: string): { user: string | undefined; device: string | undefined } {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const user = isId(payload.sub) ? payload.sub : undefined;
    const device = isId(payload.device) ? payload.device : undefined;
    return { user, device };
  } catch {
    return { user: undefined, device: undefined };
  }
}
