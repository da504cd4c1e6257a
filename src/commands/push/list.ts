import { Flags } from '@oclif/core';
import { PushAdminCommand } from '../../cli/push-admin-command.js';
import { renderTable } from '../../cli/table.js';

export default class PushList extends PushAdminCommand {
  static override summary = 'List push registrations, newest first';
  static override examples = ['<%= config.bin %> push list', '<%= config.bin %> push list --user alice --json'];
  static override flags = {
    user: Flags.string({ description: 'only this user' }),
    limit: Flags.integer({ description: 'most rows', default: 50 }),
    json: Flags.boolean({ description: 'print JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PushList);
    const rows = await this.withStore(flags['postgres-url'], (store) =>
      store.list({ user: flags.user, limit: flags.limit }),
    );
    if (flags.json) {
      this.log(JSON.stringify(rows, null, 2));
      return;
    }
    const table = rows.map((r) => ({
      ...r,
      token: r.token.length > 24 ? `${r.token.slice(0, 21)}...` : r.token,
      mutedRooms: r.mutedRooms.join(','),
    }));
    this.log(renderTable(table, ['user', 'device', 'platform', 'token', 'preview', 'mutedRooms']));
  }
}
