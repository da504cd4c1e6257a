import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import AdminUsers from '../../../src/commands/admin/users.js';
import type { UserSummary } from '../../../src/core/storage/admin-queries.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';

const database = useMigratedDatabase('chat_admin_users_');

beforeAll(async () => {
  await database.pool().query(`
    INSERT INTO users (id, created_at, last_seen_at) VALUES
      ('alice', '2026-01-01 10:00:00+00', '2026-03-01 12:00:00+00'),
      ('bob', '2026-01-02 10:00:00+00', '2026-03-03 12:00:00+00'),
      ('sim_1', '2026-01-03 10:00:00+00', '2026-03-02 12:00:00+00'),
      ('simX1', '2026-01-04 10:00:00+00', '2026-02-01 12:00:00+00');
    INSERT INTO devices (user_id, id) VALUES ('alice', 'laptop'), ('alice', 'phone'), ('bob', 'phone');
    INSERT INTO rooms (id, kind, owner_id) VALUES ('g_1', 'group', 'alice'), ('d_1', 'direct', 'alice');
    INSERT INTO members (room_id, user_id) VALUES ('g_1', 'alice'), ('g_1', 'bob'), ('g_1', 'sim_1'), ('d_1', 'alice');
  `);
});

describe('admin users', () => {
  beforeEach(() => vi.stubEnv('CHAT_POSTGRES_URL', undefined));
  afterEach(() => vi.unstubAllEnvs());

  const users = async (argv: string[]) => {
    const run = await runCommand(AdminUsers, ['--postgres-url', database.url, '--json', ...argv]);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as UserSummary[];
  };

  it('lists users most recently seen first, with how many devices and rooms each has', async () => {
    expect(await users([])).toEqual([
      { id: 'bob', devices: 1, rooms: 1, createdAt: expect.any(String), lastSeenAt: expect.any(String) },
      { id: 'sim_1', devices: 0, rooms: 1, createdAt: expect.any(String), lastSeenAt: expect.any(String) },
      { id: 'alice', devices: 2, rooms: 2, createdAt: expect.any(String), lastSeenAt: expect.any(String) },
      { id: 'simX1', devices: 0, rooms: 0, createdAt: expect.any(String), lastSeenAt: expect.any(String) },
    ]);
  });

  it('prints a table by default, with CHAT_POSTGRES_URL as well as the flag', async () => {
    vi.stubEnv('CHAT_POSTGRES_URL', database.url);
    const { code, stdout } = await runCommand(AdminUsers, ['--limit', '2']);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ID\s+DEVICES\s+ROOMS\s+LASTSEENAT\s+CREATEDAT$/);
    expect(lines[1]).toMatch(/^bob\s+1\s+1\s+2026-03-03 \d\d:\d\d:\d\d\s+2026-01-0\d \d\d:\d\d:\d\d$/);
    expect(lines[2]).toMatch(/^sim_1\s+0\s+1\s/);
  });

  it('--match takes * as the only wildcard', async () => {
    expect((await users(['--match', 'sim*'])).map((user) => user.id)).toEqual(['sim_1', 'simX1']);
    expect((await users(['--match', 'al*'])).map((user) => user.id)).toEqual(['alice']);
    // An id may hold _ (and the pattern %): they match themselves, not any character.
    expect((await users(['--match', 'sim_*'])).map((user) => user.id)).toEqual(['sim_1']);
    expect(await users(['--match', 'b%'])).toEqual([]);
    const none = await runCommand(AdminUsers, ['--postgres-url', database.url, '--match', 'zed*']);
    expect(none.stdout.trim()).toBe('(none)');
  });

  it('exits 1 with the reason when Postgres is out of reach, 2 without a Postgres URL', async () => {
    const unreachable = await runCommand(AdminUsers, ['--postgres-url', 'postgresql://postgres@127.0.0.1:1/chat']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^query failed: .*ECONNREFUSED/m);
    const missing = await runCommand(AdminUsers, []);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('postgres-url');
  });
});
