import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import Send from '../../src/commands/send.js';
import { runCli } from '../support/cli.js';
import { runCommand } from '../support/run-command.js';
import { withoutChatEnv } from '../support/chat-env.js';

/** What `send` decides before and without a cluster: its usage errors (exit 2) and an unreachable gateway (exit 1). */
const SECRET = 'k'.repeat(40);

describe('send', () => {
  const dir = mkdtempSync(join(tmpdir(), 'send-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  withoutChatEnv();

  const send = (argv: string[]) => runCommand(Send, ['--data-dir', dir, ...argv]);

  it('needs a token, or a user and a device to sign one for, and a secret to sign it with', async () => {
    const nobody = await send(['--room', 'r1', '--text', 'hi']);
    expect(nobody.code).toBe(2);
    expect(nobody.stderr).toContain('give --token (or CHAT_TOKEN), or --user and --device');
    const noSecret = await send(['--user', 'ann', '--device', 'phone', '--room', 'r1', '--text', 'hi']);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toContain('no secret to sign a token for ann');
    expect(noSecret.stderr).toContain(join(dir, 'jwt-secret'));
  });

  it('takes exactly one of --room and --dm, and only ws:// URLs', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', SECRET);
    const both = await send(['--user', 'ann', '--device', 'phone', '--room', 'r1', '--dm', 'bob', '--text', 'hi']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--room|--dm/);
    const neither = await send(['--user', 'ann', '--device', 'phone', '--text', 'hi']);
    expect(neither.code).toBe(2);
    const http = await send(['--url', 'http://127.0.0.1:8080', '--user', 'ann', '--device', 'phone', '--dm', 'bob']);
    expect(http.code).toBe(2);
    expect(http.stderr).toContain('is not a ws:// or wss:// URL');
    const badUser = await send(['--user', 'ann smith', '--device', 'phone', '--dm', 'bob', '--text', 'hi']);
    expect(badUser.code).toBe(2);
    expect(badUser.stderr).toContain('--user must match');
  });

  it('exits 1 and names the gateway when none answers within --timeout', async () => {
    const started = Date.now();
    const run = await runCli(
      [
        ...['send', '--url', '127.0.0.1:1', '--user', 'ann', '--device', 'phone', '--room', 'r1', '--text', 'hi'],
        ...['--timeout', '1', '--data-dir', dir],
      ],
      { ...process.env, CHAT_JWT_SECRET: SECRET },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('could not connect to ws://127.0.0.1:1/v1/ws within 1 s');
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
