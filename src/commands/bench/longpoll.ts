import { Command, Flags } from '@oclif/core';
import { benchTargetOf, benchTargetFlags } from '../../cli/bench-target.js';
import { signDeviceToken } from '../../core/auth/jwt.js';
import { httpBaseOf } from '../../core/client/long-poll-transport.js';
import { runLongPollBenchmark, type AutocannonFigures } from '../../sim/long-poll-benchmark.js';

export default class BenchLongPoll extends Command {
  static override summary = 'Load the long-poll endpoints with autocannon: sends/s, and many held polls';
  static override description = [
    'Three autocannon runs of --duration seconds each against one gateway: POST /v1/frames from --senders sessions (one send per request; afterwards every send is polled until its ack, so "acked/s" counts committed messages), GET /v1/poll held on --held-polls sessions (the gateway\'s memory per held session from its /metrics: --metrics-url, on its admin listener), and both at once.',
    'Needs autocannon (a devDependency: run it from a checkout). Against a remote gateway, start it with a high --send-rate and --send-burst, or the sends are rate_limited.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> bench longpoll --local',
    {
      description: 'A running gateway, 5000 held polls, 15 s per run',
      command: '<%= config.bin %> bench longpoll --url ws://127.0.0.1:8080/v1/ws\n--held-polls 5000 --duration 15',
    },
  ];
  static override flags = {
    ...benchTargetFlags,
    senders: Flags.integer({ description: 'sending sessions (autocannon connections)', default: 50, min: 1 }),
    'held-polls': Flags.integer({ description: 'sessions whose polls are held at once', default: 2000, min: 1 }),
    duration: Flags.integer({ description: 'seconds per autocannon run', default: 10, min: 1 }),
    'poll-wait-ms': Flags.integer({
      description: 'how long the gateway holds each poll (at most its --poll-timeout-ms)',
      default: 8000,
      min: 1,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchLongPoll);
    const target = await benchTargetOf(this, flags);
    try {
      const result = await runLongPollBenchmark({
        base: httpBaseOf(target.urls[0]!).href.replace(/\/$/, ''),
        metricsUrl: target.metricsUrl,
        tokenFor: (user, device) => signDeviceToken({ secret: target.secret, user, device, ttlSeconds: 3600 }),
        senders: flags.senders,
        heldPolls: flags['held-polls'],
        durationSec: flags.duration,
        pollWaitMs: flags['poll-wait-ms'],
        onProgress: (line) => process.stderr.write(`bench: ${line}\n`),
      });
      if (flags.json) {
        this.log(JSON.stringify(result, null, 2));
        return;
      }
      const row = (name: string, f: AutocannonFigures, extra: string) =>
        `${name.padEnd(34)} ${f.requestsPerSec.toFixed(0).padStart(7)}  ${f.latencyMs.p50.toFixed(1).padStart(7)}  ${f.latencyMs.p99.toFixed(1).padStart(7)}  ${String(f.non2xx + f.errors + f.timeouts).padStart(6)}  ${extra}`;
      this.log(
        `${'run'.padEnd(34)} ${'req/s'.padStart(7)}  ${'p50 ms'.padStart(7)}  ${'p99 ms'.padStart(7)}  ${'failed'.padStart(6)}`,
      );
      this.log(
        row(
          `POST /v1/frames (${flags.senders} sessions)`,
          result.sends,
          `${result.sends.ackedPerSec.toFixed(0)} acked/s, ${result.sends.refused} refused`,
        ),
      );
      this.log(
        row(
          `GET /v1/poll (${result.polls.held} held)`,
          result.polls,
          `${(result.polls.rssBytesPerSession / 1024).toFixed(1)} KiB RSS per held session`,
        ),
      );
      this.log(
        row(
          'POST /v1/frames with the polls held',
          result.sendsWithHeldPolls,
          `${result.sendsWithHeldPolls.ackedPerSec.toFixed(0)} acked/s`,
        ),
      );
    } finally {
      await target.stop();
    }
  }
}
