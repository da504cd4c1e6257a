import { afterEach, beforeEach, vi } from 'vitest';

/** Every CHAT_* variable of this process, unset (vi.stubEnv): a command under test reads only what the test sets. */
export function unsetChatEnv(): void {
  for (const name of Object.keys(process.env).filter((name) => name.startsWith('CHAT_'))) vi.stubEnv(name, undefined);
}

/**
 * For a describe of a command that reads CHAT_* settings: none of the machine's settings leak into
 * a test, and what a test stubs is undone after it.
 */
export function withoutChatEnv(): void {
  beforeEach(unsetChatEnv);
  afterEach(() => vi.unstubAllEnvs());
}
