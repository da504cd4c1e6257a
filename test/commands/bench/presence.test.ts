import { describe, expect, it, vi } from 'vitest';
import BenchPresence from '../../../src/commands/bench/presence.js';
import { benchRunner, itNeedsATargetAndSecret } from '../../support/bench-command.js';
import { withoutChatEnv } from '../../support/chat-env.js';

/** What `bench presence` refuses before it connects anything. */
describe('bench presence', () => {
  const bench = benchRunner(BenchPresence, 'presence');
  withoutChatEnv();
  itNeedsATargetAndSecret(bench);

  it('refuses --cycles below 1 and a negative --grace-ms with exit 2', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', 'k'.repeat(40));
    const cycles = await bench(['--url', 'ws://127.0.0.1:1/v1/ws', '--cycles', '0']);
    expect(cycles.code).toBe(2);
    expect(cycles.stderr).toContain('Expected an integer greater than or equal to 1 but received: 0');
    const grace = await bench(['--url', 'ws://127.0.0.1:1/v1/ws', '--grace-ms', '-1']);
    expect(grace.code).toBe(2);
    expect(grace.stderr).toContain('Expected an integer greater than or equal to 0 but received: -1');
  });
});
