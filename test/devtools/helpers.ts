import { chmod, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from '../../src/devtools/index.js';
import type { ServiceUrls } from '../../src/devtools/index.js';

/**
 * A fresh data folder. mkdtemp makes it 0700, but as root our Postgres runs as the postgres user,
 * who must be able to walk into it.
 */
export async function tempDataDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'chat-node-services-'));
  await chmod(dir, 0o755);
  return dir;
}

/** Local defaults on ports nobody listens on, so ensureServices must start its own. */
export async function closedDefaults(): Promise<ServiceUrls> {
  const [pg, redis, nats] = [await findFreePort(), await findFreePort(), await findFreePort()];
  return {
    postgresUrl: `postgresql://postgres@127.0.0.1:${pg}/postgres`,
    redisUrl: `redis://127.0.0.1:${redis}`,
    natsUrl: `nats://127.0.0.1:${nats}`,
  };
}

export function portOf(url: string): number {
  return Number(new URL(url).port);
}
