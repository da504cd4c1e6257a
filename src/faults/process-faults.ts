import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive } from '../devtools/processes.js';

/**
 * Faults that hit one process by pid: a crash (SIGKILL: no handler runs, no socket is closed
 * politely, the kernel resets them) and a freeze (SIGSTOP: the process holds its sockets and
 * leases but answers nothing, like a long GC pause or a VM stall, until SIGCONT).
 *
 * For a role of a `chat-node cluster`, use the pid from ProcessCluster.members; the cluster
 * restarts a killed role after 1 s (unless started with restart off).
 */

/** What /proc says about a process. */
export type ProcessState = 'running' | 'stopped' | 'zombie' | 'gone';

/** SIGKILLs `pid` and resolves once it is gone (a zombie counts as gone); throws if it outlives `timeoutMs`. */
export async function killProcess(pid: number, timeoutMs = 5_000): Promise<void> {
  signal(pid, 'SIGKILL');
  if (!(await waitForExit(pid, timeoutMs))) throw new Error(`process ${pid} still runs ${timeoutMs} ms after SIGKILL`);
}

/** SIGSTOPs `pid` and resolves once the kernel reports it stopped. */
export async function pauseProcess(pid: number, timeoutMs = 2_000): Promise<void> {
  signal(pid, 'SIGSTOP');
  await waitForState(pid, 'stopped', timeoutMs);
}

/** SIGCONTs `pid` (a no-op for a process that is not stopped). */
export async function resumeProcess(pid: number, timeoutMs = 2_000): Promise<void> {
  signal(pid, 'SIGCONT');
  await waitForState(pid, 'running', timeoutMs);
}

/** Freezes `pid` for `ms`, then lets it run again. */
export async function pauseFor(pid: number, ms: number): Promise<void> {
  await pauseProcess(pid);
  try {
    await sleep(ms);
  } finally {
    await resumeProcess(pid);
  }
}

/** Resolves true once `pid` is gone, false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** The process's state from /proc/<pid>/stat (Linux): T or t is stopped, Z a zombie, anything else running. */
export async function processState(pid: number): Promise<ProcessState> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // The state follows the parenthesised command name, which may itself contain spaces or parentheses.
  const state = stat?.slice(stat.lastIndexOf(')') + 1).trim()[0];
  if (state === undefined) return 'gone';
  if (state === 'T' || state === 't') return 'stopped';
  if (state === 'Z' || state === 'X') return 'zombie';
  return 'running';
}

async function waitForState(pid: number, want: 'running' | 'stopped', timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const state = await processState(pid);
    if (state === want) return;
    if (state === 'gone' || state === 'zombie') throw new Error(`process ${pid} is gone`);
    if (Date.now() > deadline)
      throw new Error(`process ${pid} is ${state}, not ${want}, ${timeoutMs} ms after the signal`);
    await sleep(10);
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') throw new Error(`no process ${pid} to send ${name} to`);
    throw error;
  }
}
