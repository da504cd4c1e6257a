import { Command, Flags } from '@oclif/core';
import { benchTargetOf, benchTargetFlags, LATENCY_HEADER, latencyRow } from '../../cli/bench-target.js';
import { signDeviceToken } from '../../core/auth/jwt.js';
import { runPresenceBenchmark } from '../../sim/presence-benchmark.js';
import { ProgressLine } from '../../cli/progress-line.js';

export default class BenchPresence extends Command {
  static override summary = 'Measure presence change-to-watcher latency (online and offline)';
  static override description =
    "A watcher shares a direct room with a user who connects and disconnects --cycles times. Online latency runs from the user's connect to the watcher's presence frame; offline latency from the disconnect to the frame, minus the grace period (--grace-ms, which --local also configures).";
  static override examples = [
    '<%= config.bin %> bench presence --local',
    {
      description: 'A running cluster whose presence grace period is 5 s',
      command: '<%= config.bin %> bench presence --url ws://127.0.0.1:8080/v1/ws\n--grace-ms 5000 --cycles 20',
    },
  ];
  static override flags = {
    ...benchTargetFlags,
    cycles: Flags.integer({ description: 'connect/disconnect cycles', default: 100, min: 1 }),
    'grace-ms': Flags.integer({ description: "the cluster's presence grace period", default: 200, min: 0 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchPresence);
    const target = await benchTargetOf(this, flags, { localConfig: { presenceGraceMs: flags['grace-ms'] } });
    const progress = new ProgressLine(process.stderr);
    try {
      const started = Date.now();
      const result = await runPresenceBenchmark({
        urls: target.urls,
        cycles: flags.cycles,
        graceMs: flags['grace-ms'],
        tokenFor: (user, device) => () => signDeviceToken({ secret: target.secret, user, device, ttlSeconds: 3600 }),
        onProgress: (done) => {
          const elapsedMs = Date.now() - started;
          // Every cycle waits out the same grace period: the ones left take about as long as the ones done.
          progress.show({
            phase: 'cycling',
            elapsedMs,
            etaMs: (elapsedMs / done) * (flags.cycles - done),
            figures: [`${done}/${flags.cycles} cycles`],
          });
        },
      });
      progress.close();
      if (flags.json) {
        this.log(JSON.stringify(result, null, 2));
      } else {
        this.log(LATENCY_HEADER);
        this.log(latencyRow('connect -> online', result.online));
        this.log(latencyRow('close -> offline-grace', result.offline));
        this.log(`\n${flags.cycles} cycles; ${result.missed} changes not seen`);
      }
      if (result.missed > 0) process.exitCode = 1;
    } finally {
      progress.close();
      await target.stop();
    }
  }
}
