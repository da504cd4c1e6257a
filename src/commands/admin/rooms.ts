import { Flags } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { renderTable } from '../../cli/table.js';

export default class AdminRooms extends AdminCommand {
  static override summary = 'List rooms, newest first, or the rooms of one user';
  static override examples = ['<%= config.bin %> admin rooms', '<%= config.bin %> admin rooms --user alice'];
  static override flags = {
    limit: Flags.integer({ description: 'most rows', default: 50 }),
    user: Flags.string({ description: 'only rooms this user is a member of' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AdminRooms);
    const rooms = await this.withQueries(flags['postgres-url'], (q) =>
      q.rooms({ limit: flags.limit, user: flags.user }),
    );
    this.log(
      flags.json
        ? JSON.stringify(rooms, null, 2)
        : renderTable(rooms, ['id', 'kind', 'name', 'owner', 'members', 'lastSeq', 'createdAt']),
    );
  }
}
