import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { NATS_SOFTWARE, requireBinary } from './binaries.js';
import { startDaemon, stopLeftoverDaemon } from './daemon.js';
import { findFreePort } from './free-port.js';
import { probeNats } from './probe.js';
import type { StartContext, StartedService } from './types.js';

/** Starts a private nats-server with JetStream on 127.0.0.1 on a free port; streams persist in ctx.dir. */
export async function startNats(ctx: StartContext): Promise<StartedService> {
  const binary = requireBinary(NATS_SOFTWARE, ctx.searchPath);
  await mkdir(ctx.dir, { recursive: true });
  const pidFile = join(ctx.dir, 'nats-server.pid');
  await stopLeftoverDaemon(ctx, pidFile, 'nats-server');

  const port = await findFreePort();
  ctx.onProgress(`starting nats with JetStream on port ${port}...`);
  const url = `nats://127.0.0.1:${port}`;
  const stop = await startDaemon(ctx, {
    name: 'nats',
    binary,
    // Logs go to stderr, which goes to the log file.
    args: ['-js', '-sd', ctx.dir, '-a', '127.0.0.1', '-p', String(port)],
    pidFile,
    url,
    probe: probeNats,
  });
  return { url, detail: `started nats with JetStream in ${ctx.displayDir} on port ${port}`, stop };
}
