import { Command, Flags } from '@oclif/core';
import { clusterConfigOf, nodeFlags, pushPolicyFlags, serviceFlags } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { createLogger } from '../core/observability/logger.js';
import { FanoutNode } from '../nodes/fanout/fanout-node.js';

export default class Fanout extends Command {
  static override summary = 'Run a fan-out worker: sequences, stores and delivers sent messages';
  static override description = `Takes a fair share of the send partitions (leases in Postgres; run several for throughput and failover),
gives each message its room sequence number in a batched Postgres commit, writes it through to the Redis history
cache, acks the sender and delivers it to every online device of every member.`;
  static override examples = ['<%= config.bin %> fanout --http-port 9090'];
  static override flags = {
    'http-port': Flags.integer({ description: 'admin port: /healthz, /readyz, /metrics and /trace', default: 9090, env: 'CHAT_HTTP_PORT' }),
    host: Flags.string({ description: 'listen address of the admin port; keep it off the public network', default: '127.0.0.1', env: 'CHAT_HOST' }),
    ...serviceFlags,
    ...pushPolicyFlags,
    ...nodeFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Fanout);
    const config = clusterConfigOf('fanout', flags);
    const log = createLogger('fanout', config.nodeId, config.logLevel);
    const node = new FanoutNode({ config, log, httpPort: flags['http-port'], httpHost: flags.host });
    await node.start();
    await untilSignal(() => node.stop());
  }
}
