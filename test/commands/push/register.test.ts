import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import PushRegister from '../../../src/commands/push/register.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';

const database = useMigratedDatabase('chat_push_register_');
const APNS = '740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad';

interface Row {
  user_id: string;
  device_id: string;
  platform: string;
  token: string;
  preview: boolean;
  muted_rooms: string[];
}

describe('push register', () => {
  beforeEach(() => vi.stubEnv('CHAT_POSTGRES_URL', database.url));
  afterEach(() => vi.unstubAllEnvs());

  const register = (argv: string[]) => runCommand(PushRegister, argv);
  const rows = async (user?: string) =>
    (
      await database
        .pool()
        .query<Row>(
          'SELECT user_id, device_id, platform, token, preview, muted_rooms FROM push_registrations WHERE $1::text IS NULL OR user_id = $1 ORDER BY user_id, device_id',
          [user ?? null],
        )
    ).rows;

  it("stores a device's token with previews on and no room muted by default", async () => {
    const run = await register(['--user', 'alice', '--device', 'phone', '--platform', 'apns', '--token', APNS]);
    expect(run).toEqual({ code: 0, stdout: 'registered apns push for alice/phone\n', stderr: '' });
    expect(await rows('alice')).toEqual([
      { user_id: 'alice', device_id: 'phone', platform: 'apns', token: APNS, preview: true, muted_rooms: [] },
    ]);
  });

  it('--no-preview and --mute (repeatable) set the settings; registering again without --mute keeps the muted rooms', async () => {
    const argv = ['--user', 'bob', '--device', 'pixel', '--platform', 'fcm', '--token', 'fcm:APA91b-1'];
    const muted = await register([...argv, '--no-preview', '--mute', 'g_1', '--mute', 'd_2']);
    expect(muted.stdout).toBe('registered fcm push for bob/pixel (no preview), muted: g_1, d_2\n');
    expect(await rows('bob')).toEqual([expect.objectContaining({ preview: false, muted_rooms: ['g_1', 'd_2'] })]);
    const again = await register([...argv.slice(0, -1), 'fcm:APA91b-2']);
    expect(again.stdout).toBe('registered fcm push for bob/pixel\n');
    expect(await rows('bob')).toEqual([
      expect.objectContaining({ token: 'fcm:APA91b-2', preview: true, muted_rooms: ['g_1', 'd_2'] }),
    ]);
  });

  it("moves a token registered for another device to this one, even another user's", async () => {
    await register(['--user', 'carol', '--device', 'old', '--platform', 'fcm', '--token', 'fcm:moving']);
    const run = await register(['--user', 'dave', '--device', 'new', '--platform', 'fcm', '--token', 'fcm:moving']);
    expect(run.code, run.stderr).toBe(0);
    expect((await rows()).filter((row) => row.token === 'fcm:moving').map((row) => row.user_id)).toEqual(['dave']);
  });

  it('refuses a bad id, a token not of its platform and an unknown platform with exit 2, and stores nothing', async () => {
    const base = ['--user', 'erin', '--device', 'phone', '--platform', 'apns', '--token', APNS];
    const badUser = await register(['--user', 'erin smith', ...base.slice(2)]);
    expect(badUser.code).toBe(2);
    expect(badUser.stderr).toContain('erin smith is not a valid id (^[A-Za-z0-9_-]{1,64}$)');
    const badRoom = await register([...base, '--mute', 'room/1']);
    expect(badRoom.code).toBe(2);
    expect(badRoom.stderr).toContain('room/1 is not a valid id');
    const notHex = await register([...base.slice(0, -1), 'not-a-token']);
    expect(notHex.code).toBe(2);
    expect(notHex.stderr).toContain('not a apns token: an APNs device token is 64 to 200 hex digits');
    const fcm = await register(['--user', 'erin', '--device', 'phone', '--platform', 'fcm', '--token', 'a b']);
    expect(fcm.code).toBe(2);
    expect(fcm.stderr).toContain('not a fcm token');
    const platform = await register(['--user', 'erin', '--device', 'phone', '--platform', 'webpush', '--token', 'x']);
    expect(platform.code).toBe(2);
    expect(platform.stderr).toMatch(/apns, fcm/);
    expect(await rows('erin')).toEqual([]);
  });

  it('exits 1 with the reason when Postgres is out of reach, 2 without a Postgres URL', async () => {
    const argv = ['--user', 'fay', '--device', 'phone', '--platform', 'apns', '--token', APNS];
    const unreachable = await register([...argv, '--postgres-url', 'postgresql://postgres@127.0.0.1:1/chat']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^push registration failed: .*ECONNREFUSED/m);
    vi.stubEnv('CHAT_POSTGRES_URL', undefined);
    const missing = await register(argv);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('postgres-url');
  });
});
