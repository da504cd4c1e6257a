import { Command, Flags } from '@oclif/core';
import { clusterConfigOf, connectionFlags, nodeFlags, serviceFlags } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { createLogger } from '../core/observability/logger.js';
import { PresenceNode } from '../nodes/presence/presence-node.js';

export default class Presence extends Command {
  static override summary = 'Run a presence worker: online/offline/last seen per user, told to their co-members';
  static override description = `Workers share the gateways' device events (run several for throughput; they keep no state of their own).
A user is online while any device is connected to a live gateway; offline is published after --presence-grace-ms
unless a device came back; gateways that die are found when their lease (--presence-timeout-ms) expires.`;
  static override examples = ['<%= config.bin %> presence --http-port 9091'];
  static override flags = {
    'http-port': Flags.integer({ description: 'admin port: /healthz, /readyz, /metrics and /trace', default: 9091, env: 'CHAT_HTTP_PORT' }),
    host: Flags.string({ description: 'listen address of the admin port; keep it off the public network', default: '127.0.0.1', env: 'CHAT_HOST' }),
    ...serviceFlags,
    ...connectionFlags,
    ...nodeFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Presence);
    const config = clusterConfigOf('presence', flags);
    const log = createLogger('presence', config.nodeId, config.logLevel);
    const node = new PresenceNode({ config, log, httpPort: flags['http-port'], httpHost: flags.host });
    await node.start();
    await untilSignal(() => node.stop());
  }
}
