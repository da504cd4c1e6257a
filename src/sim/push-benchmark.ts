import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { encodeJson } from '../core/bus/envelopes.js';
import { ensurePushStream } from '../core/bus/nats.js';
import { Subjects } from '../core/bus/subjects.js';
import type { ClusterConfig } from '../core/config/cluster-config.js';
import type { PushJob } from '../core/push/push-job.js';
import { FakeApns, FakeFcm, TestCa } from '../nodes/pusher/fakes/index.js';
import { providersOf } from '../nodes/pusher/provider-config.js';
import { PusherNode } from '../nodes/pusher/pusher-node.js';

export interface PushBenchmarkResult {
  jobs: number;
  /** Steady state: jobs queued while the providers are up, until all were accepted. */
  steadySeconds: number;
  steadyPerSecond: number;
  /** Both providers down while `jobs` are queued, then up: from "up" until all accepted. */
  outageSeconds: number;
  drainSeconds: number;
  drainPerSecond: number;
}

/**
 * The pusher against the local fakes: throughput with the providers up, and the time to drain
 * a backlog after an outage. Every job is for its own device, so nothing collapses.
 */
export async function runPushBenchmark(opts: { config: ClusterConfig; log: Logger; jobs: number; outageSeconds: number; onProgress?: (line: string) => void }): Promise<PushBenchmarkResult> {
  const ca = TestCa.create();
  const apns = new FakeApns({ ca, retainAccepted: 10 });
  const fcm = new FakeFcm({ ca, retainAccepted: 10 });
  const [apnsInfo, fcmInfo] = await Promise.all([apns.start(), fcm.start()]);
  let accepted = 0;
  apns.onAccepted(() => accepted++);
  fcm.onAccepted(() => accepted++);
  const pusher = new PusherNode({ config: opts.config, log: opts.log, providers: providersOf(apnsInfo.settings, fcmInfo.settings), collapseWindowMs: 100 });
  await pusher.start();
  const nc = await connect({ servers: opts.config.natsUrl.split(',') });
  const subjects = new Subjects(opts.config.namespace, opts.config.partitions);
  await ensurePushStream(nc, subjects, opts.config.streamReplicas);
  const js = jetstream(nc);
  const run = randomBytes(3).toString('hex');
  const enqueue = async (count: number, label: string) => {
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const platform = i % 2 === 0 ? 'apns' : 'fcm';
      const job: PushJob = {
        user: `pb-${run}-${label}-${i}`,
        device: 'phone',
        platform,
        token: platform === 'apns' ? FakeApns.newDeviceToken() : FakeFcm.newRegistrationToken(),
        preview: true,
        room: `pb-${run}-room`,
        sender: 'bench',
        body: `push ${i}`,
        seq: i + 1,
        msgId: `pb-${run}-${label}-${i}`,
        ts: Date.now(),
      };
      pending.push(js.publish(subjects.push(platform), encodeJson(job)));
      if (pending.length >= 500) await Promise.all(pending.splice(0));
    }
    await Promise.all(pending);
  };
  const until = async (target: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (accepted < target && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    if (accepted < target) throw new Error(`only ${accepted}/${target} notifications accepted within ${timeoutMs / 1000} s`);
  };
  try {
    opts.onProgress?.(`steady: queueing ${opts.jobs} jobs`);
    const steadyStart = performance.now();
    await enqueue(opts.jobs, 'steady');
    await until(opts.jobs, 600_000);
    const steadySeconds = (performance.now() - steadyStart) / 1000;

    opts.onProgress?.(`outage: both providers down, queueing ${opts.jobs} jobs`);
    await Promise.all([apns.setMode({ kind: 'down' }), fcm.setMode({ kind: 'down' })]);
    await enqueue(opts.jobs, 'outage');
    await new Promise((resolve) => setTimeout(resolve, opts.outageSeconds * 1000));
    const before = accepted;
    await Promise.all([apns.setMode({ kind: 'ok' }), fcm.setMode({ kind: 'ok' })]);
    opts.onProgress?.('providers back: draining');
    const drainStart = performance.now();
    await until(before + opts.jobs, 600_000);
    const drainSeconds = (performance.now() - drainStart) / 1000;
    return {
      jobs: opts.jobs,
      steadySeconds,
      steadyPerSecond: opts.jobs / steadySeconds,
      outageSeconds: opts.outageSeconds,
      drainSeconds,
      drainPerSecond: opts.jobs / drainSeconds,
    };
  } finally {
    await pusher.stop();
    await nc.close();
    await Promise.all([apns.stop(), fcm.stop()]);
  }
}
