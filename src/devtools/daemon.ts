import { setTimeout as sleep } from 'node:timers/promises';
import { guardOnExit } from './exit-guard.js';
import type { ProbeResult } from './probe.js';
import {
  commandLineOf,
  isAlive,
  readPidFile,
  removeFile,
  spawnDaemon,
  stopPid,
  tailFile,
  writePidFile,
} from './processes.js';
import type { StartContext } from './types.js';

/** A single-process server (redis-server, nats-server) that we run as a tracked child. */
export interface DaemonSpec {
  /** Short name for messages, e.g. "redis". */
  name: string;
  binary: string;
  args: readonly string[];
  /** Where we record the child's pid, so a later run can find a leftover. */
  pidFile: string;
  url: string;
  probe: (url: string, timeoutMs: number) => Promise<ProbeResult>;
  /** Default 15 s. */
  readyTimeoutMs?: number;
}

/**
 * Stops a server a crashed earlier run left behind, found by its pid file. The pid is only
 * trusted if that process still runs the same binary (pids are reused).
 */
export async function stopLeftoverDaemon(ctx: StartContext, pidFile: string, binaryName: string): Promise<void> {
  const pid = await readPidFile(pidFile);
  if (pid === undefined) return;
  const commandLine = await commandLineOf(pid);
  if (commandLine?.includes(binaryName) === true && (await isAlive(pid))) {
    ctx.onProgress(`stopping a ${binaryName} (pid ${pid}) left running in ${ctx.displayDir} by an earlier run`);
    await stopPid(pid);
  }
  await removeFile(pidFile);
}

/** Starts the server, waits until it answers, and returns its stop function. */
export async function startDaemon(ctx: StartContext, spec: DaemonSpec): Promise<() => Promise<void>> {
  const child = spawnDaemon(spec.binary, spec.args, ctx.logFile, ctx.dir);
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  let exit: string | undefined;
  // 'exit' fires once Node has reaped the child, so after it the pid is truly gone.
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = signal === null ? `exit code ${code ?? '?'}` : `signal ${signal}`;
      resolve();
    }),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${spec.binary}: ${(await spawnError).message}`);
  await writePidFile(spec.pidFile, pid);
  const release = guardOnExit(pid, 'SIGTERM');

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopped ??= (async () => {
      await stopPid(pid);
      await Promise.race([exited, sleep(2_000)]);
      release();
      await removeFile(spec.pidFile);
    })());

  const timeoutMs = spec.readyTimeoutMs ?? 15_000;
  const deadline = Date.now() + timeoutMs;
  let last: ProbeResult = { ok: false, reason: 'not probed yet' };
  while (exit === undefined && Date.now() < deadline) {
    last = await spec.probe(spec.url, 1_000);
    if (last.ok) return stop;
    await sleep(100);
  }
  await stop().catch(() => undefined);
  const why =
    exit !== undefined ? `exited (${exit})` : `did not answer within ${timeoutMs} ms (${last.ok ? '' : last.reason})`;
  throw new Error(`${spec.name} ${why}; last lines of ${ctx.logFile}:\n${await tailFile(ctx.logFile)}`);
}
