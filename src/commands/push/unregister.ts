import { Flags } from '@oclif/core';
import { PushAdminCommand } from '../../cli/push-admin-command.js';

export default class PushUnregister extends PushAdminCommand {
  static override summary = "Remove a device's push token";
  static override examples = ['<%= config.bin %> push unregister --user alice --device phone'];
  static override flags = {
    user: Flags.string({ description: 'user id', required: true }),
    device: Flags.string({ description: 'device id', required: true }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(PushUnregister);
    const removed = await this.withStore(flags['postgres-url'], (store) => store.unregister(flags.user, flags.device));
    this.log(
      removed
        ? `removed the push token of ${flags.user}/${flags.device}`
        : `${flags.user}/${flags.device} had no push token`,
    );
  }
}
