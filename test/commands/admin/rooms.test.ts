import { beforeAll, describe, expect, it } from 'vitest';
import AdminRooms from '../../../src/commands/admin/rooms.js';
import type { RoomSummary } from '../../../src/core/storage/admin-queries.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';

const database = useMigratedDatabase('chat_admin_rooms_');

beforeAll(async () => {
  await database.pool().query(`
    INSERT INTO rooms (id, kind, name, owner_id, direct_key, last_seq, created_at) VALUES
      ('g_old', 'group', 'book club', 'alice', NULL, 12, '2026-01-01 10:00:00+00'),
      ('d_ab', 'direct', '', 'alice', 'alice|bob', 3, '2026-02-01 10:00:00+00'),
      ('g_new', 'group', E'evil\\x1b[2Jname', 'carol', NULL, 0, '2026-03-01 10:00:00+00');
    INSERT INTO members (room_id, user_id) VALUES
      ('g_old', 'alice'), ('g_old', 'bob'), ('g_old', 'carol'), ('d_ab', 'alice'), ('d_ab', 'bob'), ('g_new', 'carol');
  `);
});

describe('admin rooms', () => {
  const rooms = async (argv: string[]) => {
    const run = await runCommand(AdminRooms, ['--postgres-url', database.url, '--json', ...argv]);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as RoomSummary[];
  };

  it('lists rooms newest first, with kind, owner, member count and last seq', async () => {
    expect((await rooms([])).map((room) => [room.id, room.kind, room.owner, room.members, room.lastSeq])).toEqual([
      ['g_new', 'group', 'carol', 1, 0],
      ['d_ab', 'direct', 'alice', 2, 3],
      ['g_old', 'group', 'alice', 3, 12],
    ]);
    expect((await rooms(['--limit', '1'])).map((room) => room.id)).toEqual(['g_new']);
  });

  it('--user lists only the rooms that user is a member of', async () => {
    expect((await rooms(['--user', 'bob'])).map((room) => room.id)).toEqual(['d_ab', 'g_old']);
    expect(await rooms(['--user', 'nobody'])).toEqual([]);
  });

  it("prints a table, a room's name made safe for the terminal", async () => {
    const { code, stdout } = await runCommand(AdminRooms, ['--postgres-url', database.url]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+KIND\s+NAME\s+OWNER\s+MEMBERS\s+LASTSEQ\s+CREATEDAT$/);
    expect(lines[1]).toMatch(/^g_new\s+group\s+evil\\x1b\[2Jname\s+carol\s+1\s+0\s+2026-03-01 /);
    expect(stdout).not.toContain('\u001b');
    expect(lines[3]).toMatch(/^g_old\s+group\s+book club\s+alice\s+3\s+12\s/);
  });
});
