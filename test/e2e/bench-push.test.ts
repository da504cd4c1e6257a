import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * `chat-node bench push`: the pusher against the APNs and FCM fakes (on their own thread), a steady
 * phase and an outage; small counts, so it checks the command's working and its report, not speed.
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface PushBenchJson {
  jobs: number;
  backlog: number;
  steadyPerSecond: number;
  steadyCpuMicrosPerNotification: number;
  outageSeconds: number;
  drainSeconds: number;
}

describe('chat-node bench push', () => {
  it('sends every job of the steady phase and drains the backlog queued during the outage', async () => {
    const child = spawn(
      process.execPath,
      [
        `${ROOT}bin/run.js`,
        'bench',
        'push',
        '--jobs',
        '400',
        '--backlog',
        '300',
        '--outage',
        '1',
        '--warmup',
        '50',
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as PushBenchJson;
    expect(result.jobs).toBe(400);
    expect(result.backlog).toBe(300);
    expect(result.outageSeconds).toBe(1);
    expect(result.steadyPerSecond).toBeGreaterThan(0);
    expect(result.steadyCpuMicrosPerNotification).toBeGreaterThan(0);
    expect(result.drainSeconds).toBeGreaterThan(0);
    expect(stderr).toContain('providers back: draining');
  }, 120_000);
});
