import { Args } from '@oclif/core';
import { AdminCommand } from '../../cli/admin-command.js';
import { printable } from '../../cli/printable.js';
import { renderTable } from '../../cli/table.js';

export default class AdminRoom extends AdminCommand {
  static override summary = "Show one room: kind, owner, last seq, and each member's read position";
  static override examples = ['<%= config.bin %> admin room g_3kq9Xb2mH1aPz0Lw'];
  static override args = { room: Args.string({ description: 'room id', required: true }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AdminRoom);
    const found = await this.withQueries(flags['postgres-url'], (q) => q.room(args.room));
    if (!found) this.error(`room ${args.room} does not exist`, { exit: 1 });
    if (flags.json) {
      this.log(JSON.stringify(found, null, 2));
      return;
    }
    const { room, members } = found;
    this.log(
      `room ${room.id} (${room.kind}${room.name ? `, "${printable(room.name)}"` : ''}), owner ${room.owner}, last seq ${room.lastSeq}, created ${room.createdAt}\n`,
    );
    this.log(renderTable(members, ['userId', 'readSeq', 'joinedAt']));
  }
}
