import { Command } from '@oclif/core';
import { settingFlags, startupConfigOf } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { createLogger } from '../core/observability/logger.js';
import { PresenceNode } from '../nodes/presence/presence-node.js';

export default class Presence extends Command {
  static override summary = 'Run a presence worker: online/offline/last seen per user, told to co-members';
  static override description =
    "Workers share the gateways' device events (run several for throughput; they keep no state of their own). A user is online while any device is connected to a live gateway; offline is published after --presence-grace-ms unless a device came back; gateways that die are found when their lease (--presence-timeout-ms) expires.";
  static override examples = ['<%= config.bin %> presence --admin-port 9091'];
  static override flags = settingFlags('presence');

  async run(): Promise<void> {
    const { config, settings } = startupConfigOf(this, 'presence', await this.parse(Presence));
    const log = createLogger('presence', config.nodeId, config.logLevel);
    const node = new PresenceNode({
      config,
      log,
      httpPort: settings.integer('adminPort')!,
      httpHost: settings.string('adminHost')!,
    });
    await node.start();
    await untilSignal(() => node.stop());
  }
}
