import { describe, expect, it, vi } from 'vitest';
import BenchLongPoll from '../../../src/commands/bench/longpoll.js';
import { benchRunner, itNeedsATargetAndSecret } from '../../support/bench-command.js';
import { withoutChatEnv } from '../../support/chat-env.js';

/** What `bench longpoll` refuses before it loads anything. */
describe('bench longpoll', () => {
  const bench = benchRunner(BenchLongPoll, 'longpoll');
  withoutChatEnv();
  itNeedsATargetAndSecret(bench);

  it('refuses --senders, --held-polls, --duration or --poll-wait-ms below 1 with exit 2', async () => {
    vi.stubEnv('CHAT_JWT_SECRET', 'k'.repeat(40));
    for (const flag of ['--senders', '--held-polls', '--duration', '--poll-wait-ms']) {
      const run = await bench(['--url', 'ws://127.0.0.1:1/v1/ws', flag, '0']);
      expect(run.code, flag).toBe(2);
      expect(run.stderr).toContain('Expected an integer greater than or equal to 1 but received: 0');
    }
  });
});
