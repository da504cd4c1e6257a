import { beforeAll, describe, expect, it } from 'vitest';
import PushList from '../../../src/commands/push/list.js';
import type { PushRegistration } from '../../../src/core/storage/push-store.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';

const database = useMigratedDatabase('chat_push_list_');
const APNS = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';

beforeAll(async () => {
  await database.pool().query(
    `INSERT INTO push_registrations (user_id, device_id, platform, token, preview, muted_rooms, updated_at) VALUES
       ('alice', 'phone', 'apns', $1, true, '{g_1,d_2}', '2026-03-01 10:00:00+00'),
       ('bob', 'pixel', 'fcm', 'fcm:short', false, '{}', '2026-03-03 10:00:00+00'),
       ('alice', 'tablet', 'fcm', E'fcm:\\x1b[31mred', true, '{}', '2026-03-02 10:00:00+00')`,
    [APNS],
  );
});

describe('push list', () => {
  const list = async (argv: string[]) => {
    const run = await runCommand(PushList, ['--postgres-url', database.url, '--json', ...argv]);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as PushRegistration[];
  };

  it('lists registrations most recently updated first, with their settings', async () => {
    const all = await list([]);
    expect(all.map((r) => `${r.user}/${r.device}`)).toEqual(['bob/pixel', 'alice/tablet', 'alice/phone']);
    expect(all[2]).toEqual({
      user: 'alice',
      device: 'phone',
      platform: 'apns',
      token: APNS,
      preview: true,
      mutedRooms: ['g_1', 'd_2'],
    });
    expect((await list(['--limit', '1'])).map((r) => r.device)).toEqual(['pixel']);
  });

  it('--user lists only that user', async () => {
    expect((await list(['--user', 'alice'])).map((r) => r.device)).toEqual(['tablet', 'phone']);
    expect(await list(['--user', 'nobody'])).toEqual([]);
  });

  it('prints a table with long tokens cut short, muted rooms joined and text made safe for the terminal', async () => {
    const { code, stdout } = await runCommand(PushList, ['--postgres-url', database.url]);
    expect(code).toBe(0);
    expect(stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^USER\s+DEVICE\s+PLATFORM\s+TOKEN\s+PREVIEW\s+MUTEDROOMS$/),
      expect.stringMatching(/^bob\s+pixel\s+fcm\s+fcm:short\s+false$/),
      expect.stringMatching(/^alice\s+tablet\s+fcm\s+fcm:\\x1b\[31mred\s+true$/),
      expect.stringMatching(new RegExp(`^alice\\s+phone\\s+apns\\s+${APNS.slice(0, 21)}\\.\\.\\.\\s+true\\s+g_1,d_2$`)),
    ]);
    expect(stdout).not.toContain('\u001b');
  });
});
