import { beforeAll, describe, expect, it } from 'vitest';
import AdminRoom from '../../../src/commands/admin/room.js';
import type { MemberSummary, RoomSummary } from '../../../src/core/storage/admin-queries.js';
import { useMigratedDatabase } from '../../support/postgres-database.js';
import { runCommand } from '../../support/run-command.js';

const database = useMigratedDatabase('chat_admin_room_');

beforeAll(async () => {
  await database.pool().query(`
    INSERT INTO rooms (id, kind, name, owner_id, last_seq, created_at) VALUES
      ('g_club', 'group', E'book\\x07club\\u202e', 'alice', 12, '2026-01-01 10:00:00+00'),
      ('g_other', 'group', 'other', 'dave', 1, '2026-01-02 10:00:00+00');
    INSERT INTO members (room_id, user_id, read_seq, joined_at) VALUES
      ('g_club', 'alice', 12, '2026-01-01 10:00:00+00'),
      ('g_club', 'carol', 0, '2026-01-03 10:00:00+00'),
      ('g_club', 'bob', 7, '2026-01-02 10:00:00+00'),
      ('g_other', 'dave', 1, '2026-01-02 10:00:00+00');
  `);
});

describe('admin room', () => {
  it("shows the room and each member's read position, in the order they joined", async () => {
    const { code, stdout, stderr } = await runCommand(AdminRoom, ['g_club', '--postgres-url', database.url, '--json']);
    expect(code, stderr).toBe(0);
    const { room, members } = JSON.parse(stdout) as { room: RoomSummary; members: MemberSummary[] };
    expect(room).toMatchObject({ id: 'g_club', kind: 'group', owner: 'alice', members: 3, lastSeq: 12 });
    expect(members.map((member) => [member.userId, member.readSeq])).toEqual([
      ['alice', 12],
      ['bob', 7],
      ['carol', 0],
    ]);
  });

  it('prints a heading and a table, the name made safe for the terminal', async () => {
    const { code, stdout } = await runCommand(AdminRoom, ['g_club', '--postgres-url', database.url]);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^room g_club \(group, "book\\x07club\\u202e"\), owner alice, last seq 12, created 2026-01-01 \d\d:\d\d:\d\d$/,
    );
    expect(lines[1]).toBe('');
    expect(lines.slice(2)).toEqual([
      expect.stringMatching(/^USERID\s+READSEQ\s+JOINEDAT$/),
      expect.stringMatching(/^alice\s+12\s/),
      expect.stringMatching(/^bob\s+7\s/),
      expect.stringMatching(/^carol\s+0\s/),
    ]);
    expect(stdout).not.toMatch(/[\u0007\u202e]/);
  });

  it('exits 1 for a room that does not exist', async () => {
    const run = await runCommand(AdminRoom, ['g_missing', '--postgres-url', database.url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('room g_missing does not exist');
    expect(run.stdout).toBe('');
  });
});
