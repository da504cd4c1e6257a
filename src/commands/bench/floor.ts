import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command, Flags } from '@oclif/core';

export default class BenchFloor extends Command {
  static override summary = 'Measure the floor: the bare pipeline chat-node is built from, under load';
  static override description = [
    "Starts the bare pipeline on this machine's Postgres and NATS (a WebSocket gateway process: parse, publish to core NATS; a writer process: one batched insert per round into its own table, publish back; the gateway writes the ack and the msg frames; none of chat-node's logic) and runs the scenario against it with the simulator's load processes and oracle.",
    'The same as `chat-node sim <scenario> --floor`; with --local, sim runs chat-node right after the floor and reports the ratios (docs/benchmarks.md, "The floor").',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> bench floor --rate 1000',
    '<%= config.bin %> bench floor --rate 1000,2000,4000,8000 --out floor.json',
    {
      description: 'The floor, then chat-node, and the ratios',
      command: '<%= config.bin %> sim scenarios/pairs.yaml --local --floor --rate 1000',
    },
  ];
  static override flags = {
    rate: Flags.string({
      description: 'messages per second in total; a comma-separated list runs a sweep',
      default: '1000',
    }),
    scenario: Flags.string({
      description: 'scenario file (no churn: a device that goes offline has nothing to sync from the floor)',
      default: 'scenarios/pairs.yaml',
    }),
    out: Flags.string({ description: 'write the JSON report here' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchFloor);
    // The default names a file of the package: found from any folder. A file found in neither is named as given.
    const packaged = join(this.config.root, flags.scenario);
    const scenario = !existsSync(flags.scenario) && existsSync(packaged) ? packaged : flags.scenario;
    await this.config.runCommand('sim', [
      scenario,
      '--floor',
      '--rate',
      flags.rate,
      ...(flags.out ? ['--out', flags.out] : []),
    ]);
  }
}
