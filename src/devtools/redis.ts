import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { REDIS_SOFTWARE, requireBinary } from './binaries.js';
import { startDaemon, stopLeftoverDaemon } from './daemon.js';
import { findFreePort } from './free-port.js';
import { probeRedis } from './probe.js';
import type { StartContext, StartedService } from './types.js';

/**
 * Starts a private redis-server on 127.0.0.1 on a free port (or on `port`: a fault test restarts
 * it where its clients reconnect). Nothing is persisted (no RDB, no AOF): Redis only holds state
 * chat-node can rebuild, and a dev restart should start clean.
 */
export async function startRedis(ctx: StartContext, fixedPort?: number): Promise<StartedService> {
  const binary = requireBinary(REDIS_SOFTWARE, ctx.searchPath);
  await mkdir(ctx.dir, { recursive: true });
  const pidFile = join(ctx.dir, 'redis-server.pid');
  await stopLeftoverDaemon(ctx, pidFile, 'redis-server');

  const port = fixedPort ?? (await findFreePort());
  ctx.onProgress(`starting redis on port ${port}...`);
  const url = `redis://127.0.0.1:${port}`;
  const stop = await startDaemon(ctx, {
    name: 'redis',
    binary,
    // In the foreground (we track the child), logging to stdout, which goes to the log file.
    args: [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      ctx.dir,
      '--daemonize',
      'no',
    ],
    pidFile,
    url,
    probe: probeRedis,
  });
  return { url, detail: `started redis in ${ctx.displayDir} on port ${port}`, stop };
}
