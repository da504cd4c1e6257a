import { Command, Flags } from '@oclif/core';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeviceToken } from '../core/auth/jwt.js';
import { DEFAULT_DATA_DIR, readDevSecret } from '../core/config/dev-secret.js';
import { createLogger } from '../core/observability/logger.js';
import { DevCluster } from '../nodes/dev/dev-cluster.js';
import { runPairBenchmark } from '../sim/pair-benchmark.js';

export default class Bench extends Command {
  static override summary = 'Measure send-to-deliver and ack latency between two users';
  static override description = `Alice sends --messages to Bob on an open-loop schedule at --rate per second; every message is timed from its
scheduled send to Alice's ack and to Bob's receipt (HDR histograms). With --local it boots a cluster in this
process on the machine's services (as \`chat-node dev\` would), in its own database and namespace.`;
  static override examples = ['<%= config.bin %> bench --local', '<%= config.bin %> bench --url ws://127.0.0.1:8080/v1/ws --rate 15'];
  static override flags = {
    local: Flags.boolean({ description: 'boot a local cluster for the run', exclusive: ['url'] }),
    url: Flags.string({ description: 'gateway WebSocket URL(s), comma-separated', env: 'CHAT_URL' }),
    messages: Flags.integer({ description: 'messages to send', default: 1000 }),
    rate: Flags.integer({ description: 'messages per second (a remote gateway limits each connection, 20/s by default)', default: 200 }),
    'data-dir': Flags.string({ description: 'data folder of `chat-node dev` (signing secret)', default: DEFAULT_DATA_DIR, env: 'CHAT_DATA_DIR' }),
    'jwt-secret': Flags.string({ description: 'HS256 secret of the cluster', env: 'CHAT_JWT_SECRET' }),
    json: Flags.boolean({ description: 'print the result as JSON' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Bench);
    if (!flags.local && !flags.url) this.error('pass --local to boot a cluster, or --url of a running gateway', { exit: 2 });
    let cluster: DevCluster | undefined;
    let urls: string[];
    let secret: string | undefined;
    if (flags.local) {
      const dataDir = mkdtempSync(join(tmpdir(), 'chat-node-bench-'));
      secret = flags['jwt-secret'] ?? 'bench-secret';
      cluster = new DevCluster({
        dataDir,
        port: 0,
        host: '127.0.0.1',
        databaseName: 'chat_node_bench',
        input: { namespace: 'bench', nodeId: 'bench', jwt: { secret }, sendRatePerSec: 100_000, sendBurst: 100_000, logLevel: 'warn' },
        log: createLogger('bench', 'bench', 'warn'),
        onProgress: (line) => process.stderr.write(`bench: ${line}\n`),
      });
      await cluster.start();
      urls = [`ws://127.0.0.1:${cluster.gatewayPort}/v1/ws`];
    } else {
      urls = flags.url!.split(',');
      secret = flags['jwt-secret'] ?? readDevSecret(flags['data-dir']);
      if (!secret) this.error('no signing secret: pass --jwt-secret or CHAT_JWT_SECRET', { exit: 2 });
    }
    const key = secret;
    try {
      process.stderr.write(`bench: ${flags.messages} messages at ${flags.rate}/s\n`);
      const result = await runPairBenchmark({
        urls,
        messages: flags.messages,
        ratePerSec: flags.rate,
        tokenFor: (user, device) => () => signDeviceToken({ secret: key, user, device, ttlSeconds: 3600 }),
        onProgress: (sent, delivered) => process.stderr.write(`\rbench: sent ${sent}, delivered ${delivered}   `),
      });
      process.stderr.write('\n');
      if (flags.json) {
        this.log(JSON.stringify(result, null, 2));
      } else {
        const row = (name: string, s: typeof result.ack) =>
          `${name.padEnd(18)} ${String(s.count).padStart(6)}  ${s.p50.toFixed(2).padStart(8)}  ${s.p90.toFixed(2).padStart(8)}  ${s.p99.toFixed(2).padStart(8)}  ${s.max.toFixed(2).padStart(8)}`;
        this.log(`${'latency (ms)'.padEnd(18)} ${'count'.padStart(6)}  ${'p50'.padStart(8)}  ${'p90'.padStart(8)}  ${'p99'.padStart(8)}  ${'max'.padStart(8)}`);
        this.log(row('send -> ack', result.ack));
        this.log(row('send -> deliver', result.deliver));
        this.log(`\n${flags.messages} messages in ${(result.durationMs / 1000).toFixed(1)} s; ${result.missing} not delivered`);
      }
      if (result.missing > 0) this.exit(1);
    } finally {
      await cluster?.stop();
    }
  }
}
