import { beforeAll, describe, expect, it } from 'vitest';
import AdminDevices from '../../../src/commands/admin/devices.js';
import type { DeviceSummary } from '../../../src/core/storage/admin-queries.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';

const database = useMigratedDatabase('chat_admin_devices_');

beforeAll(async () => {
  await database.pool().query(`
    INSERT INTO users (id) VALUES ('alice'), ('bob');
    INSERT INTO devices (user_id, id, created_at, last_seen_at) VALUES
      ('alice', 'laptop', '2026-01-01 10:00:00+00', '2026-03-01 08:00:00+00'),
      ('alice', 'phone', '2026-01-05 10:00:00+00', '2026-03-02 09:30:00+00'),
      ('bob', 'tablet', '2026-01-02 10:00:00+00', '2026-03-03 12:00:00+00');
  `);
});

describe('admin devices', () => {
  it("lists the user's devices, most recently seen first, and no one else's", async () => {
    const { code, stdout, stderr } = await runCommand(AdminDevices, [
      'alice',
      '--postgres-url',
      database.url,
      '--json',
    ]);
    expect(code, stderr).toBe(0);
    const devices = JSON.parse(stdout) as DeviceSummary[];
    expect(devices.map((device) => [device.userId, device.id])).toEqual([
      ['alice', 'phone'],
      ['alice', 'laptop'],
    ]);
    expect(devices[0]!.lastSeenAt).toMatch(/^2026-03-02 \d\d:\d\d:00$/);
    const table = await runCommand(AdminDevices, ['alice', '--postgres-url', database.url]);
    expect(table.stdout.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^ID\s+LASTSEENAT\s+CREATEDAT$/),
      expect.stringMatching(/^phone\s+2026-03-02 [\d:]+\s+2026-01-05 [\d:]+$/),
      expect.stringMatching(/^laptop\s+2026-03-01 [\d:]+\s+2026-01-01 [\d:]+$/),
    ]);
  });

  it('says (none) for a user without devices', async () => {
    const run = await runCommand(AdminDevices, ['carol', '--postgres-url', database.url]);
    expect(run).toEqual({ code: 0, stdout: '(none)\n', stderr: '' });
  });

  it('without a user is a usage error', async () => {
    const run = await runCommand(AdminDevices, ['--postgres-url', database.url]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/user/);
    expect(run.stdout).toBe('');
  });
});
