import { Worker } from 'node:worker_threads';
import type { ApnsSettings } from '../nodes/pusher/providers/apns-provider.js';
import type { FcmSettings } from '../nodes/pusher/providers/fcm-provider.js';
import { ThreadRequests } from '../core/process/thread-requests.js';
import type { FakesReply, FakesRequest } from './push-fakes-protocol.js';

type Done = Extract<FakesReply, { type: 'done' }>;

/** The APNs and FCM fakes on their own thread (push-fakes-thread.ts), seen from the benchmark. */
export class FakesThread {
  /** Pushes the fakes accepted so far (as of their last report, at most a few ms old). */
  accepted = 0;
  private readonly requests: ThreadRequests<FakesRequest, Done>;

  private constructor(
    private readonly worker: Worker,
    readonly apns: ApnsSettings,
    readonly fcm: FcmSettings,
  ) {
    worker.on('message', (reply: FakesReply) => {
      if (reply.type === 'accepted') this.accepted = reply.total;
    });
    this.requests = new ThreadRequests(worker, (message): message is Done => (message as FakesReply).type === 'done');
  }

  static start(): Promise<FakesThread> {
    const worker = new Worker(new URL('./push-fakes-thread.js', import.meta.url), { name: 'chat-node push fakes' });
    return new Promise((resolve, reject) => {
      const onStarted = (reply: FakesReply): void => {
        if (reply.type !== 'started') return;
        worker.off('message', onStarted);
        worker.off('error', reject);
        resolve(new FakesThread(worker, reply.apns, reply.fcm));
      };
      worker.on('message', onStarted);
      worker.once('error', reject);
    });
  }

  /** Both providers up ('ok') or refusing every connection ('down'). */
  async setMode(kind: 'ok' | 'down'): Promise<void> {
    await this.requests.ask({ type: 'mode', kind });
  }

  async stop(): Promise<void> {
    await this.requests.ask({ type: 'stop' });
    await this.worker.terminate();
  }
}
