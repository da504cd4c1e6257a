import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitCommit, redactUrl } from '../../../src/sim/runner/run-metadata.js';

describe('run metadata', () => {
  it('says null for the commit outside a git checkout, and does not throw', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-no-git-'));
    try {
      expect(gitCommit(dir)).toBeNull();
      expect(gitCommit(join(dir, 'missing'))).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes cluster URLs down without their credentials', () => {
    expect(redactUrl('ws://10.0.0.5:8080/v1/ws')).toBe('ws://10.0.0.5:8080/v1/ws');
    expect(redactUrl('wss://ops:hunter2@chat.example.com/v1/ws')).toBe('wss://***:***@chat.example.com/v1/ws');
    expect(redactUrl('wss://chat.example.com/v1/ws?token=abc.def&region=eu&api_key=k')).toBe(
      'wss://chat.example.com/v1/ws?token=***&region=eu&api_key=***',
    );
    expect(redactUrl('user:pw@somewhere')).toBe('***@somewhere');
  });
});
