import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { killProcess, pauseFor, pauseProcess, processState, resumeProcess } from '../../src/faults/process-faults.js';

/** A child that prints a tick every 20 ms, so a freeze shows as missing ticks. */
function ticker(): { child: ChildProcess; ticks: () => number } {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => process.stdout.write("."), 20)'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  let ticks = 0;
  child.stdout.on('data', (chunk: Buffer) => (ticks += chunk.length));
  return { child, ticks: () => ticks };
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

async function started(): Promise<ReturnType<typeof ticker>> {
  const t = ticker();
  children.push(t.child);
  await expect.poll(t.ticks, { timeout: 5_000 }).toBeGreaterThan(0);
  return t;
}

describe('process faults', () => {
  it('SIGSTOP freezes a process and SIGCONT lets it run on', async () => {
    const { child, ticks } = await started();
    const pid = child.pid!;
    await pauseProcess(pid);
    expect(await processState(pid)).toBe('stopped');
    const frozenAt = ticks();
    await new Promise((resolve) => setTimeout(resolve, 200));
    // At most a tick already in the pipe arrives.
    expect(ticks() - frozenAt).toBeLessThanOrEqual(1);
    await resumeProcess(pid);
    expect(await processState(pid)).toBe('running');
    await expect.poll(() => ticks() - frozenAt, { timeout: 2_000 }).toBeGreaterThan(2);

    await pauseFor(pid, 50);
    expect(await processState(pid)).toBe('running');
  });

  it('SIGKILL ends a process at once and says so when there is none', async () => {
    const { child } = await started();
    const pid = child.pid!;
    const exit = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await killProcess(pid);
    expect(await exit).toBe('SIGKILL');
    expect(await processState(pid)).toBe('gone');
    await expect(killProcess(pid)).rejects.toThrow(/no process/);
  });
});
