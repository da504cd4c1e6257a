import { beforeAll, describe, expect, it } from 'vitest';
import PushUnregister from '../../../src/commands/push/unregister.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';

const database = useMigratedDatabase('chat_push_unregister_');

beforeAll(async () => {
  await database.pool().query(`
    INSERT INTO push_registrations (user_id, device_id, platform, token) VALUES
      ('alice', 'phone', 'fcm', 'fcm:alice-phone'), ('alice', 'tablet', 'fcm', 'fcm:alice-tablet');
  `);
});

describe('push unregister', () => {
  const unregister = (argv: string[]) => runCommand(PushUnregister, ['--postgres-url', database.url, ...argv]);
  const devices = async () =>
    (
      await database.pool().query<{ device_id: string }>('SELECT device_id FROM push_registrations ORDER BY 1')
    ).rows.map((row) => row.device_id);

  it("removes that device's token and no other", async () => {
    const run = await unregister(['--user', 'alice', '--device', 'phone']);
    expect(run).toEqual({ code: 0, stdout: 'removed the push token of alice/phone\n', stderr: '' });
    expect(await devices()).toEqual(['tablet']);
  });

  it('says so when the device had no token', async () => {
    const run = await unregister(['--user', 'bob', '--device', 'tablet']);
    expect(run).toEqual({ code: 0, stdout: 'bob/tablet had no push token\n', stderr: '' });
    expect(await devices()).toEqual(['tablet']);
  });

  it('without --device is a usage error', async () => {
    const run = await unregister(['--user', 'alice']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('device');
    expect(await devices()).toEqual(['tablet']);
  });
});
