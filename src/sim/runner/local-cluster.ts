import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../core/services/index.js';

const RUN_JS = fileURLToPath(new URL('../../../bin/run.js', import.meta.url));

export interface LocalSimCluster {
  url: string;
  metricsUrl: string;
  secret: string;
  stop(): Promise<void>;
}

/**
 * `chat-node dev` in its own process (so the load generator does not share its event loop),
 * in a fresh data folder and namespace, with rate limits lifted for load.
 */
export async function startLocalCluster(onProgress: (line: string) => void): Promise<LocalSimCluster> {
  const dataDir = mkdtempSync(join(tmpdir(), 'chat-sim-cluster-'));
  const port = await findFreePort();
  const namespace = `sim${Date.now().toString(36)}`;
  const child: ChildProcess = spawn(process.execPath, [RUN_JS, 'dev', '--port', String(port), '--data-dir', dataDir, '--namespace', namespace, '--send-rate', '100000', '--send-burst', '100000'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, CHAT_LOG_LEVEL: 'error' },
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  onProgress(`starting a local cluster (chat-node dev) on port ${port}`);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the local cluster exited:\n${output}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok).catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the local cluster was not ready within 60 s:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8').trim();
  return {
    url: `ws://127.0.0.1:${port}/v1/ws`,
    metricsUrl: `http://127.0.0.1:${port}/metrics`,
    secret,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
