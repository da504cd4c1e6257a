import { Command, Flags } from '@oclif/core';
import { benchTargetOf, benchTargetFlags, LATENCY_HEADER, latencyRow } from '../../cli/bench-target.js';
import { signDeviceToken } from '../../core/auth/jwt.js';
import { runPairBenchmark } from '../../sim/pair-benchmark.js';
import { ProgressLine } from '../../cli/progress-line.js';

export default class BenchLatency extends Command {
  static override summary = 'Measure send-to-deliver and ack latency between two users';
  static override description =
    "Alice sends --messages to Bob on an open-loop schedule at --rate per second; every message is timed from its scheduled send to Alice's ack and to Bob's receipt (HDR histograms). With --local it boots a cluster in this process on the machine's services (as `chat-node dev` would), in its own database and namespace.";
  static override examples = [
    '<%= config.bin %> bench latency --local',
    '<%= config.bin %> bench latency --url ws://127.0.0.1:8080/v1/ws --rate 15',
  ];
  static override flags = {
    ...benchTargetFlags,
    messages: Flags.integer({ description: 'messages to send', default: 1000, min: 1 }),
    rate: Flags.integer({
      description: 'messages per second (a remote gateway limits each connection, 20/s by default)',
      default: 200,
      min: 1,
    }),
    'long-poll': Flags.boolean({
      description:
        'Bob also has a long-poll device: its send -> deliver is timed beside the WebSocket one, under the same load',
      default: false,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchLatency);
    const target = await benchTargetOf(this, flags);
    const progress = new ProgressLine(process.stderr);
    try {
      progress.note(`bench: ${flags.messages} messages at ${flags.rate}/s`);
      const started = Date.now();
      // The schedule is open-loop: the last send is due messages / rate after the first.
      const scheduleMs = (flags.messages / flags.rate) * 1000;
      const result = await runPairBenchmark({
        urls: target.urls,
        messages: flags.messages,
        ratePerSec: flags.rate,
        longPollRecipient: flags['long-poll'],
        tokenFor: (user, device) => () => signDeviceToken({ secret: target.secret, user, device, ttlSeconds: 3600 }),
        onProgress: (sent, delivered) => {
          const elapsedMs = Date.now() - started;
          progress.show({
            phase: 'sending',
            elapsedMs,
            etaMs: Math.max(0, scheduleMs - elapsedMs),
            figures: [`sent ${sent}/${flags.messages}`, `delivered ${delivered}`],
          });
        },
      });
      progress.close();
      if (flags.json) {
        this.log(JSON.stringify(result, null, 2));
      } else {
        this.log(LATENCY_HEADER);
        this.log(latencyRow('send -> ack', result.ack));
        this.log(latencyRow(result.deliverLongPoll ? 'deliver, WebSocket' : 'send -> deliver', result.deliver));
        if (result.deliverLongPoll) this.log(latencyRow('deliver, long-poll', result.deliverLongPoll));
        this.log(
          `\n${flags.messages} messages in ${(result.durationMs / 1000).toFixed(1)} s; ${result.missing} not delivered`,
        );
      }
      if (result.missing > 0) process.exitCode = 1;
    } finally {
      progress.close();
      await target.stop();
    }
  }
}
