import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServices, findFreePort } from '../../devtools/index.js';
import type { LocalSimCluster } from '../runner/local-cluster.js';
import type { FloorInit, FloorStatus } from './floor-messages.js';

/** The floor process's entry: compiled next to this module, or in dist/ when this runs from source (vitest). */
const FLOOR_MAIN = ((): string => {
  const here = fileURLToPath(new URL('./floor-process.js', import.meta.url));
  return existsSync(here) ? here : here.replace(`${sep}src${sep}sim${sep}`, `${sep}dist${sep}sim${sep}`);
})();

/** The database the floor writes to, beside chat-node's in the same Postgres. */
const FLOOR_DATABASE = 'chat_floor';

/**
 * Starts the bare pipeline (docs/benchmarks.md, "the floor") on this machine's Postgres and NATS
 * (found or started like `chat-node dev` does): a gateway process and a writer process. It looks
 * like a local cluster to the simulator, so the same scenario, load processes and oracle measure it.
 */
export async function startFloor(onProgress: (line: string) => void): Promise<LocalSimCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-floor-'));
  const services = await ensureServices({ dataDir, databaseName: FLOOR_DATABASE, onProgress });
  const namespace = `floor${randomBytes(3).toString('hex')}`;
  const children: ChildProcess[] = [];
  const start = async (role: FloorInit['role']): Promise<number> => {
    const port = await findFreePort();
    const child = fork(FLOOR_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    const init: FloorInit = {
      type: 'init',
      role,
      natsUrl: services.urls.natsUrl,
      postgresUrl: services.urls.postgresUrl,
      namespace,
      port,
    };
    child.send(init);
    await new Promise<void>((resolve, reject) => {
      child.once('message', (status: FloorStatus) =>
        status.type === 'listening' ? resolve() : reject(new Error(`floor ${role}: ${status.error}`)),
      );
      child.once('exit', (code) => reject(new Error(`floor ${role} exited with ${code}`)));
    });
    return port;
  };
  const stop = async () => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGTERM');
          }),
      ),
    );
    await services.stop();
  };
  try {
    const writerPort = await start('writer');
    const gatewayPort = await start('gateway');
    onProgress(
      `the floor (bare pipeline: gateway :${gatewayPort} -> NATS -> writer -> Postgres ${FLOOR_DATABASE} -> NATS -> gateway) is up`,
    );
    const gatewayMetrics = `http://127.0.0.1:${gatewayPort}/metrics`;
    return {
      urls: [`ws://127.0.0.1:${gatewayPort}/v1/ws`],
      metricsUrls: [gatewayMetrics],
      metricsTargets: [
        { url: gatewayMetrics, role: 'gateway' },
        { url: `http://127.0.0.1:${writerPort}/metrics`, role: 'writer' },
      ],
      // The floor reads tokens without checking them: any secret signs one it takes.
      secret: randomBytes(32).toString('hex'),
      pushLog: undefined,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
