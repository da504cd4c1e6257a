import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { encodeJson } from '../core/bus/envelopes.js';
import { ensurePushStream } from '../core/bus/nats.js';
import { JetStreamPublisher } from '../core/bus/stream-publisher.js';
import { Subjects } from '../core/bus/subjects.js';
import type { ClusterConfig } from '../core/config/cluster-config.js';
import type { PushJob } from '../core/push/push-job.js';
import { providersOf } from '../nodes/pusher/provider-config.js';
import { PusherNode } from '../nodes/pusher/pusher-node.js';
import { FakesThread } from './push-fakes.js';

export interface PushBenchmarkResult {
  jobs: number;
  /** Jobs queued during the outage. */
  backlog: number;
  /** Steady state: jobs queued while the providers are up, until all were accepted. */
  steadySeconds: number;
  steadyPerSecond: number;
  /** This process's CPU time (all threads: pusher, load generator and the fakes' thread) per notification in the steady phase, in µs. */
  steadyCpuMicrosPerNotification: number;
  /** Both providers down while `backlog` jobs are queued, then up: from "up" until all accepted. */
  outageSeconds: number;
  drainSeconds: number;
  drainPerSecond: number;
}

/**
 * The pusher against the local fakes: throughput with the providers up, and the time to drain
 * a backlog after an outage. Every job is for its own device, so nothing collapses.
 */
export async function runPushBenchmark(opts: {
  config: ClusterConfig;
  log: Logger;
  /** Jobs of the steady phase. */
  jobs: number;
  /** Jobs queued while the providers are down. */
  backlog: number;
  outageSeconds: number;
  /** Jobs sent and accepted before the steady phase is timed (connections, OAuth token, JIT), default 0. */
  warmupJobs?: number;
  /** Notifications in flight per platform; default: the pusher's. */
  concurrency?: number;
  onProgress?: (line: string) => void;
}): Promise<PushBenchmarkResult> {
  // The fakes stand for other machines: on a thread of their own, not on the pusher's event loop.
  const fakes = await FakesThread.start();
  const pusher = new PusherNode({
    config: opts.config,
    log: opts.log,
    providers: providersOf(fakes.apns, fakes.fcm),
    collapseWindowMs: 100,
    ...(opts.concurrency === undefined ? {} : { concurrency: opts.concurrency }),
  });
  await pusher.start();
  const nc = await connect({ servers: opts.config.natsUrl.split(',') });
  const subjects = new Subjects(opts.config.namespace, opts.config.partitions);
  await ensurePushStream(nc, subjects, opts.config.streamReplicas);
  // The load generator runs on this event loop too: it publishes through one shared reply
  // subscription (as the gateway does), not js.publish(), whose per-publish timer, promises and
  // Errors were ~7% of the steady phase's CPU. Ids as the fan-out sets them.
  const publisher = new JetStreamPublisher(nc);
  const run = randomBytes(3).toString('hex');
  // Tokens of the providers' shapes, unique per job: a run's random part and the job's number
  // (two randomBytes calls per job were ~3% of the steady phase).
  const apnsTokenBase = randomBytes(24).toString('hex');
  const fcmTokenBase = `${randomBytes(16).toString('base64url')}:APA91b${randomBytes(96).toString('base64url')}`;
  let tokens = 0;
  const token = (platform: 'apns' | 'fcm'): string =>
    platform === 'apns'
      ? `${apnsTokenBase}${(tokens++).toString(16).padStart(16, '0')}`
      : `${fcmTokenBase}${(tokens++).toString(36).padStart(8, '0')}`;
  const enqueue = async (count: number, label: string): Promise<void> => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const platform = i % 2 === 0 ? 'apns' : 'fcm';
      const job: PushJob = {
        user: `pb-${run}-${label}-${i}`,
        device: 'phone',
        platform,
        token: token(platform),
        preview: true,
        room: `pb-${run}-room`,
        sender: 'bench',
        body: `push ${i}`,
        seq: i + 1,
        msgId: `pb-${run}-${label}-${i}`,
        ts: Date.now(),
      };
      pending.push(
        publisher.publish(subjects.push(platform), encodeJson(job), {
          msgID: `${job.msgId}:${job.user}:${job.device}`,
        }),
      );
      if (pending.length >= 500) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  };
  const until = async (target: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (fakes.accepted < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (fakes.accepted < target)
      throw new Error(`only ${fakes.accepted}/${target} notifications accepted within ${timeoutMs / 1000} s`);
  };
  try {
    const warmup = opts.warmupJobs ?? 0;
    if (warmup > 0) {
      opts.onProgress?.(`warm-up: ${warmup} jobs (not timed)`);
      await enqueue(warmup, 'warmup');
      await until(warmup, 600_000);
    }
    const base = fakes.accepted;
    opts.onProgress?.(`steady: queueing ${opts.jobs} jobs`);
    const steadyStart = performance.now();
    const steadyCpu = process.cpuUsage();
    await enqueue(opts.jobs, 'steady');
    await until(base + opts.jobs, 600_000);
    const steadySeconds = (performance.now() - steadyStart) / 1000;
    const cpu = process.cpuUsage(steadyCpu);

    opts.onProgress?.(`outage: both providers down, queueing ${opts.backlog} jobs`);
    await fakes.setMode('down');
    await enqueue(opts.backlog, 'outage');
    await new Promise((resolve) => setTimeout(resolve, opts.outageSeconds * 1000));
    const before = fakes.accepted;
    await fakes.setMode('ok');
    opts.onProgress?.('providers back: draining');
    const drainStart = performance.now();
    await until(before + opts.backlog, 600_000);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    return {
      jobs: opts.jobs,
      backlog: opts.backlog,
      steadySeconds,
      steadyPerSecond: opts.jobs / steadySeconds,
      steadyCpuMicrosPerNotification: (cpu.user + cpu.system) / opts.jobs,
      outageSeconds: opts.outageSeconds,
      drainSeconds,
      drainPerSecond: opts.backlog / drainSeconds,
    };
  } finally {
    await pusher.stop();
    publisher.close();
    await nc.close();
    await fakes.stop();
  }
}
