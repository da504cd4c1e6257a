import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The default data folder of `chat-node dev` and `chat-node token`. */
export const DEFAULT_DATA_DIR = '.chat-node';

export function devSecretPath(dataDir: string): string {
  return join(dataDir, 'jwt-secret');
}

/** The dev cluster's HS256 secret, created on first use and kept in the data folder (mode 0600). */
export function readOrCreateDevSecret(dataDir: string): string {
  const path = devSecretPath(dataDir);
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  }
}

export function readDevSecret(dataDir: string): string | undefined {
  try {
    return readFileSync(devSecretPath(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
