import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPushLog } from '../../../src/sim/runner/push-log.js';

describe('push log', () => {
  it("reads the fakes' JSONL lines, skipping a torn last line and foreign shapes", () => {
    const path = join(mkdtempSync(join(tmpdir(), 'push-log-')), 'received.jsonl');
    const line = (fields: Record<string, unknown>) =>
      JSON.stringify({
        at: '2026-11-28T10:00:00.250Z',
        platform: 'apns',
        token: 'aa',
        title: 't',
        body: 'b',
        badge: 1,
        room: 'g_1',
        ...fields,
      });
    writeFileSync(
      path,
      [
        line({}),
        line({ platform: 'fcm', token: 'x:APA91b', room: undefined }),
        line({ platform: 'web' }),
        line({ at: 'not a time' }),
        '{"at":"2026-11-28T10:0',
      ].join('\n'),
    );
    expect(readPushLog(path)).toEqual([
      { platform: 'apns', token: 'aa', room: 'g_1', at: Date.parse('2026-11-28T10:00:00.250Z') },
      { platform: 'fcm', token: 'x:APA91b', room: '', at: Date.parse('2026-11-28T10:00:00.250Z') },
    ]);
  });

  it('a log the fakes have not created yet is empty', () => {
    expect(readPushLog(join(tmpdir(), 'no-such-dir', 'received.jsonl'))).toEqual([]);
  });
});
