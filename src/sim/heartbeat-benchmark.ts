import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { ChatClient, type TokenSource } from '../core/client/index.js';
import { scrape, sumOfMetric } from './metrics-scrape.js';

export interface HeartbeatBenchmarkOptions {
  urls: string[];
  tokenFor: (user: string, device: string) => TokenSource;
  /** Idle devices to hold open (default 10,000). */
  devices: number;
  /** Measured idle window after all are connected, in seconds (default 30). */
  durationSec: number;
  /** The gateway's /metrics (CPU and RSS of its process). */
  metricsUrl: string;
  /** The cluster's Redis (command counter). */
  redisUrl: string;
  /** Local source addresses to spread the client sockets over (default 127.0.0.1). */
  localAddresses?: string[];
  onProgress?: (line: string) => void;
}

export interface HeartbeatBenchmarkResult {
  devices: number;
  connected: number;
  connectSeconds: number;
  redisOpsPerSec: number;
  gatewayCpuPercent: number;
  gatewayRssBytesPerConnection: number;
  connectionsReported: number | undefined;
}

/**
 * Holds `devices` idle connections and measures what they cost while nothing happens but
 * heartbeats: Redis commands per second (all clients of that Redis) and the gateway process's
 * CPU, from its /metrics, over the idle window.
 */
export async function runHeartbeatBenchmark(options: HeartbeatBenchmarkOptions): Promise<HeartbeatBenchmarkResult> {
  const run = randomBytes(3).toString('hex');
  const redis = new Redis(options.redisUrl, { lazyConnect: true });
  await redis.connect();
  const commandsProcessed = async () =>
    Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1] ?? 0);
  const before = await scrape(options.metricsUrl);
  const rssBefore = sumOfMetric(before, 'process_resident_memory_bytes') ?? 0;
  const clients: ChatClient[] = [];
  const addresses = options.localAddresses ?? ['127.0.0.1'];
  const started = performance.now();
  let connected = 0;
  try {
    const concurrency = 200;
    for (let i = 0; i < options.devices; i += concurrency) {
      const batch = Array.from({ length: Math.min(concurrency, options.devices - i) }, (_, j) => {
        const index = i + j;
        const client = new ChatClient({
          urls: options.urls,
          token: options.tokenFor(`hb-${run}-${index}`, 'phone'),
          localAddress: addresses[index % addresses.length],
        });
        client.on('error', () => {});
        clients.push(client);
        return client.connect().then(() => connected++);
      });
      await Promise.allSettled(batch);
      if (i % 2000 === 0) options.onProgress?.(`connected ${connected}/${options.devices}`);
    }
    const connectSeconds = (performance.now() - started) / 1000;
    options.onProgress?.(`connected ${connected} in ${connectSeconds.toFixed(1)} s; idle for ${options.durationSec} s`);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const startText = await scrape(options.metricsUrl);
    const cpu0 = sumOfMetric(startText, 'process_cpu_seconds_total') ?? 0;
    const commands0 = await commandsProcessed();
    const t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, options.durationSec * 1000));
    const endText = await scrape(options.metricsUrl);
    const elapsed = (performance.now() - t0) / 1000;
    const cpu1 = sumOfMetric(endText, 'process_cpu_seconds_total') ?? 0;
    const commands1 = await commandsProcessed();
    const rssAfter = sumOfMetric(endText, 'process_resident_memory_bytes') ?? 0;
    return {
      devices: options.devices,
      connected,
      connectSeconds,
      // INFO itself is one command per sample.
      redisOpsPerSec: (commands1 - commands0 - 1) / elapsed,
      gatewayCpuPercent: ((cpu1 - cpu0) / elapsed) * 100,
      gatewayRssBytesPerConnection: connected > 0 ? (rssAfter - rssBefore) / connected : 0,
      connectionsReported: sumOfMetric(endText, 'chat_gateway_connections'),
    };
  } finally {
    await Promise.allSettled(clients.map((client) => client.close()));
    redis.disconnect();
  }
}
