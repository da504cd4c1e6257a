import { Command, Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import {
  DEFAULT_CAPACITY_INPUTS,
  measuredFromReport,
  planCapacity,
  type CapacityInputs,
} from '../sim/capacity/capacity-plan.js';

const FLAG_OF: Record<keyof CapacityInputs, string> = {
  dau: 'dau',
  messagesPerUserPerDay: 'messages-per-user-per-day',
  peakFactor: 'peak-factor',
  bytesPerMessage: 'bytes-per-message',
  retentionYears: 'retention-years',
  peakOnlineShare: 'peak-online-share',
  devicesPerUser: 'devices-per-user',
  deliveriesPerMessage: 'deliveries-per-message',
  connectionsPerGatewayNode: 'connections-per-gateway-node',
  bytesPerConnection: 'bytes-per-connection',
  messagesPerFanoutNode: 'messages-per-fanout-node',
  presenceChangesPerNode: 'presence-changes-per-node',
  presenceChangesPerDevicePerHour: 'presence-changes-per-device-per-hour',
  pushesPerPusherNode: 'pushes-per-pusher-node',
  pushShare: 'push-share',
  messagesPerPostgresShard: 'messages-per-postgres-shard',
  messagesPerNatsServer: 'messages-per-nats-server',
  streamReplicas: 'stream-replicas',
  headroom: 'headroom',
};

const numberFlags = Object.fromEntries(
  (Object.keys(FLAG_OF) as Array<keyof CapacityInputs>).map((key) => [
    FLAG_OF[key],
    Flags.string({ description: `default ${DEFAULT_CAPACITY_INPUTS[key]}`, helpGroup: 'ASSUMPTIONS' }),
  ]),
);

function human(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export default class Plan extends Command {
  static override summary = 'Capacity plan: messages/s, storage, connections, node counts for N daily users';
  static override description =
    "The design brief's arithmetic with its assumptions as flags. With --report (repeatable), per-node figures measured by `chat-node sim` replace the defaults: memory per connection from a scenario report (e.g. connections-100k), messages per fan-out node from a rate sweep's summary (`sim --rate 1000,2000,... --out`). Node counts keep --headroom spare at the peak.";
  static override examples = [
    '<%= config.bin %> plan --dau 50000000',
    {
      description: 'With the figures of a scenario report and a rate sweep, as JSON',
      command:
        '<%= config.bin %> plan --dau 10000000 --json\n--report bench/results/connections-100k.json\n--report bench/results/rate-sweep.json',
    },
  ];
  static override flags = {
    report: Flags.string({
      description: 'a sim JSON report or rate-sweep summary to take measured per-node figures from (repeatable)',
      multiple: true,
    }),
    json: Flags.boolean({ description: 'print the inputs and the plan as JSON' }),
    ...numberFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Plan);
    const inputs: CapacityInputs = { ...DEFAULT_CAPACITY_INPUTS };
    for (const report of flags.report ?? []) {
      try {
        Object.assign(
          inputs,
          measuredFromReport(JSON.parse(readFileSync(report, 'utf8')) as Parameters<typeof measuredFromReport>[0]),
        );
      } catch (error) {
        this.error(`cannot read the report ${report}: ${(error as Error).message}`, { exit: 2 });
      }
    }
    for (const key of Object.keys(FLAG_OF) as Array<keyof CapacityInputs>) {
      const text = (flags as Record<string, unknown>)[FLAG_OF[key]];
      if (typeof text !== 'string') continue;
      const value = Number(text.replace(/_/g, ''));
      if (!Number.isFinite(value) || value < 0)
        this.error(`--${FLAG_OF[key]} must be a number >= 0, got ${text}`, { exit: 2 });
      inputs[key] = value;
    }
    const plan = planCapacity(inputs);
    if (flags.json) {
      this.log(JSON.stringify({ inputs, plan }, null, 2));
      return;
    }
    const n = (value: number) => Math.round(value).toLocaleString('en-US');
    this.log(
      `\ncapacity for ${n(inputs.dau)} daily users (${inputs.messagesPerUserPerDay} messages/user/day, peak ${inputs.peakFactor}x, ${inputs.headroom * 100}% headroom)\n`,
    );
    const rows: Array<[string, string, string]> = [
      ['messages per day', n(plan.messagesPerDay), ''],
      ['messages/s average / peak', `${n(plan.averageMessagesPerSec)} / ${n(plan.peakMessagesPerSec)}`, ''],
      ['deliveries/s at peak', n(plan.peakDeliveriesPerSec), `${inputs.deliveriesPerMessage} copies per message`],
      ['storage per day', human(plan.storagePerDayBytes), `${inputs.bytesPerMessage} B per message`],
      [`storage for ${inputs.retentionYears} years`, human(plan.storageRetentionBytes), 'before replication'],
      [
        'connections at peak',
        n(plan.peakConnections),
        `${inputs.peakOnlineShare * 100}% online x ${inputs.devicesPerUser} devices`,
      ],
      [
        'gateway nodes',
        n(plan.gatewayNodes),
        `${n(inputs.connectionsPerGatewayNode)} connections each, ${human(plan.gatewayMemoryPerNodeBytes)} of connection memory`,
      ],
      ['fan-out nodes', n(plan.fanoutNodes), `${n(inputs.messagesPerFanoutNode)} messages/s each`],
      ['presence nodes', n(plan.presenceNodes), `${n(inputs.presenceChangesPerNode)} changes/s each`],
      [
        'pusher nodes',
        n(plan.pusherNodes),
        `${n(inputs.pushesPerPusherNode)} pushes/s each, ${inputs.pushShare * 100}% of deliveries`,
      ],
      [
        'Postgres shards (Citus by room_id)',
        n(plan.postgresShards),
        `${n(inputs.messagesPerPostgresShard)} messages/s each`,
      ],
      [
        'NATS servers',
        n(plan.natsServers),
        `R${inputs.streamReplicas} streams, ${n(inputs.messagesPerNatsServer)} msgs/s each`,
      ],
    ];
    for (const [name, value, why] of rows) this.log(`  ${name.padEnd(36)} ${value.padStart(16)}   ${why}`);
    this.log('');
  }
}
