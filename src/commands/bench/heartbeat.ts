import { Command, Flags } from '@oclif/core';
import { benchTargetOf, benchTargetFlags } from '../../cli/bench-target.js';
import { signDeviceToken } from '../../core/auth/jwt.js';
import { runHeartbeatBenchmark } from '../../sim/heartbeat-benchmark.js';

export default class BenchHeartbeat extends Command {
  static override summary = 'Measure the cost of idle devices: Redis ops/s and gateway CPU under heartbeats';
  static override description =
    "Opens --devices idle connections to a running gateway (one user each), waits, then measures over --duration seconds the Redis commands per second (from INFO; everything on that Redis counts) and the gateway process's CPU and resident memory (from its /metrics). Run the gateway in its own process (e.g. `chat-node dev`).";
  static override examples = ['<%= config.bin %> bench heartbeat --url ws://127.0.0.1:8080/v1/ws --devices 10000'];
  static override flags = {
    ...benchTargetFlags,
    devices: Flags.integer({ description: 'idle devices to connect', default: 10_000, min: 1 }),
    duration: Flags.integer({ description: 'measured idle seconds', default: 30, min: 1 }),
    'redis-url': Flags.string({
      description: "the cluster's Redis",
      default: 'redis://127.0.0.1:6379',
      env: 'CHAT_REDIS_URL',
    }),
    'source-addresses': Flags.integer({
      description: 'spread client sockets over this many 127.0.0.x source addresses',
      default: 4,
      min: 1,
      max: 254,
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(BenchHeartbeat);
    if (flags.local)
      this.error('run the gateway in its own process (chat-node dev) and pass --url, so its CPU is its own', {
        exit: 2,
      });
    const target = await benchTargetOf(this, flags, {
      usage: ({ metricsUrl }) =>
        metricsUrl ? undefined : "pass --metrics-url: the gateway's /metrics on its admin listener (--admin-port)",
    });
    const metricsUrl = target.metricsUrl!;
    const result = await runHeartbeatBenchmark({
      urls: target.urls,
      devices: flags.devices,
      durationSec: flags.duration,
      metricsUrl,
      redisUrl: flags['redis-url'],
      localAddresses: Array.from({ length: flags['source-addresses'] }, (_, i) => `127.0.0.${i + 1}`),
      tokenFor: (user, device) => () => signDeviceToken({ secret: target.secret, user, device, ttlSeconds: 3600 }),
      onProgress: (line) => process.stderr.write(`bench: ${line}\n`),
    });
    if (flags.json) {
      this.log(JSON.stringify(result, null, 2));
      return;
    }
    const per10k = (value: number) => (value * 10_000) / Math.max(1, result.connected);
    this.log(
      `idle devices connected     ${result.connected}/${result.devices} (in ${result.connectSeconds.toFixed(1)} s; gateway reports ${result.connectionsReported ?? '?'})`,
    );
    this.log(
      `redis ops/s                ${result.redisOpsPerSec.toFixed(1)}   (${per10k(result.redisOpsPerSec).toFixed(1)} per 10k devices)`,
    );
    this.log(
      `gateway cpu                ${result.gatewayCpuPercent.toFixed(1)} %   (${per10k(result.gatewayCpuPercent).toFixed(1)} % per 10k devices)`,
    );
    this.log(`gateway rss / connection   ${(result.gatewayRssBytesPerConnection / 1024).toFixed(1)} KiB`);
    if (result.connected < result.devices) process.exitCode = 1;
  }
}
