import { Flags } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { renderTable } from '../../cli/table.js';

export default class AdminUsers extends AdminCommand {
  static override summary = 'List users, most recently seen first, with their device and room counts';
  static override examples = [
    '<%= config.bin %> admin users',
    "<%= config.bin %> admin users --match 'sim-*' --limit 20",
  ];
  static override flags = {
    limit: Flags.integer({ description: 'most rows', default: 50 }),
    match: Flags.string({ description: 'user id pattern, * as wildcard' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AdminUsers);
    // The query reads the pattern with LIKE, * made %: LIKE's own wildcards (an id may hold _) match themselves.
    const match = flags.match?.replace(/[\\%_]/g, '\\$&');
    const users = await this.withQueries(flags['postgres-url'], (q) => q.users({ limit: flags.limit, match }));
    this.log(
      flags.json
        ? JSON.stringify(users, null, 2)
        : renderTable(users, ['id', 'devices', 'rooms', 'lastSeenAt', 'createdAt']),
    );
  }
}
