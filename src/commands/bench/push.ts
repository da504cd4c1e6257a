import { Command, Flags } from '@oclif/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../core/observability/logger.js';
import { DevCluster } from '../../nodes/dev/dev-cluster.js';
import { runPushBenchmark } from '../../sim/push-benchmark.js';

export default class BenchPush extends Command {
  static override summary = "Measure the pusher: notifications/s to the APNs and FCM fakes, and draining a backlog after an outage";
  static override description = `Runs a pusher in this process against local APNs and FCM fakes (the real client libraries talking), on the
machine's services in their own database and namespace. First --jobs jobs with the providers up; then both providers
go down for --outage seconds while --jobs more are queued, come back, and the drain is timed.`;
  static override examples = ['<%= config.bin %> bench push', '<%= config.bin %> bench push --jobs 10000 --outage 10'];
  static override flags = {
    jobs: Flags.integer({ description: 'jobs per phase (half APNs, half FCM)', default: 10_000 }),
    outage: Flags.integer({ description: 'seconds both providers stay down', default: 10 }),
    json: Flags.boolean({ description: 'print the result as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchPush);
    const log = createLogger('bench', 'bench', 'error');
    const cluster = new DevCluster({
      dataDir: mkdtempSync(join(tmpdir(), 'chat-node-bench-')),
      port: 0,
      host: '127.0.0.1',
      databaseName: 'chat_node_bench',
      push: 'off',
      input: { namespace: 'benchpush', nodeId: 'bench', jwt: { secret: 'bench' }, logLevel: 'error' },
      log,
      onProgress: (line) => process.stderr.write(`bench: ${line}\n`),
    });
    await cluster.start();
    try {
      const result = await runPushBenchmark({
        config: { ...cluster.config!, nodeId: 'bench-pusher' },
        log,
        jobs: flags.jobs,
        outageSeconds: flags.outage,
        onProgress: (line) => process.stderr.write(`bench: ${line}\n`),
      });
      if (flags.json) {
        this.log(JSON.stringify(result, null, 2));
        return;
      }
      this.log(`steady:  ${result.jobs} notifications in ${result.steadySeconds.toFixed(1)} s = ${result.steadyPerSecond.toFixed(0)}/s`);
      this.log(`outage:  ${result.outageSeconds} s down with ${result.jobs} jobs queued; drained in ${result.drainSeconds.toFixed(1)} s after the providers returned (${result.drainPerSecond.toFixed(0)}/s)`);
    } finally {
      await cluster.stop();
    }
  }
}
