import { Args } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { renderTable } from '../../cli/table.js';

export default class AdminDevices extends AdminCommand {
  static override summary = "List a user's devices with when each was first and last seen";
  static override examples = ['<%= config.bin %> admin devices alice'];
  static override args = { user: Args.string({ description: 'user id', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AdminDevices);
    const devices = await this.withQueries(flags['postgres-url'], (q) => q.devices(args.user));
    this.log(flags.json ? JSON.stringify(devices, null, 2) : renderTable(devices, ['id', 'lastSeenAt', 'createdAt']));
  }
}
