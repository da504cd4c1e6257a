import { Command } from '@oclif/core';
import { settingFlags, startupConfigOf } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { createLogger } from '../core/observability/logger.js';
import { FanoutNode } from '../nodes/fanout/fanout-node.js';

export default class Fanout extends Command {
  static override summary = 'Run a fan-out worker: sequences, stores and delivers messages';
  static override description =
    'Takes a fair share of the send partitions (leases in Postgres; run several for throughput and failover), gives each message its room sequence number in a batched Postgres commit, writes it through to the Redis history cache, acks the sender and delivers it to every online device of every member.';
  static override examples = ['<%= config.bin %> fanout --admin-port 9090'];
  static override flags = settingFlags('fanout');

  async run(): Promise<void> {
    const { config, settings } = startupConfigOf(this, 'fanout', await this.parse(Fanout));
    const log = createLogger('fanout', config.nodeId, config.logLevel);
    const node = new FanoutNode({
      config,
      log,
      httpPort: settings.integer('adminPort')!,
      httpHost: settings.string('adminHost')!,
    });
    await node.start();
    await untilSignal(() => node.stop());
  }
}
