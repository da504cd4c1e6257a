import { Command, Flags } from '@oclif/core';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveConfig } from '../../core/config/cluster-config.js';
import { createLogger } from '../../core/observability/logger.js';
import { bootServices } from '../../nodes/cluster/boot-services.js';
import { runPushBenchmark } from '../../sim/push-benchmark.js';
import { DEFAULT_PUSH_CONCURRENCY } from '../../core/push/push-concurrency.js';

export default class BenchPush extends Command {
  static override summary = 'Measure the pusher: notifications/s to APNs and FCM fakes, and a backlog drain';
  static override description = [
    "Runs a pusher in this process against local APNs and FCM fakes (the real client libraries talking), on the machine's services in their own database and namespace (no other role runs).",
    'First --warmup jobs, not timed; then --jobs jobs with the providers up (steady); then both providers go down for --outage seconds while --backlog jobs are queued, come back, and the drain is timed. The fakes run on a thread of their own (they stand for other machines).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> bench push',
    '<%= config.bin %> bench push --jobs 30000 --backlog 10000 --outage 10',
    '<%= config.bin %> bench push --warmup 0',
  ];
  static override flags = {
    jobs: Flags.integer({ description: 'jobs of the steady phase (half APNs, half FCM)', default: 30_000 }),
    backlog: Flags.integer({ description: 'jobs queued during the outage', default: 10_000 }),
    outage: Flags.integer({ description: 'seconds both providers stay down', default: 10 }),
    warmup: Flags.integer({
      description: 'jobs sent before the steady phase is timed (connections, OAuth token, JIT)',
      default: 1000,
    }),
    concurrency: Flags.integer({
      description: `notifications in flight per platform (default: the pusher's, ${DEFAULT_PUSH_CONCURRENCY})`,
    }),
    json: Flags.boolean({ description: 'print the result as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchPush);
    const log = createLogger('bench', 'bench', 'error');
    const onProgress = (line: string): void => void process.stderr.write(`bench: ${line}\n`);
    // The services and the schema only: the pusher is the one role in this process.
    const booted = await bootServices({
      dataDir: mkdtempSync(join(tmpdir(), 'chat-node-bench-')),
      input: {
        namespace: 'benchpush',
        nodeId: 'bench',
        jwt: { secret: randomBytes(32).toString('base64url') },
        logLevel: 'error',
      },
      databaseName: 'chat_node_bench',
      onProgress,
    });
    try {
      const result = await runPushBenchmark({
        config: { ...resolveConfig('dev', booted.input), nodeId: 'bench-pusher' },
        log,
        jobs: flags.jobs,
        backlog: flags.backlog,
        outageSeconds: flags.outage,
        warmupJobs: flags.warmup,
        ...(flags.concurrency === undefined ? {} : { concurrency: flags.concurrency }),
        onProgress,
      });
      if (flags.json) {
        this.log(JSON.stringify(result, null, 2));
        return;
      }
      this.log(
        `steady:  ${result.jobs} notifications in ${result.steadySeconds.toFixed(1)} s = ${result.steadyPerSecond.toFixed(0)}/s (${result.steadyCpuMicrosPerNotification.toFixed(0)} µs of this process's CPU each)`,
      );
      this.log(
        `outage:  ${result.outageSeconds} s down with ${result.backlog} jobs queued; drained in ${result.drainSeconds.toFixed(1)} s after the providers returned (${result.drainPerSecond.toFixed(0)}/s)`,
      );
    } finally {
      await booted.services.stop();
    }
  }
}
