import { randomBytes } from 'node:crypto';
import { ChatClient, type TokenSource } from '../core/client/index.js';
import { LatencyDistribution, type LatencyPercentiles } from './hdr/index.js';

export interface PairBenchmarkOptions {
  urls: string[];
  tokenFor: (user: string, device: string) => TokenSource;
  /** Messages alice sends to bob (default 1000). */
  messages: number;
  /** Open-loop send rate in messages per second (default 200). */
  ratePerSec: number;
  onProgress?: (sent: number, delivered: number) => void;
  /** Bob also has a long-poll device, timed on its own beside the WebSocket one (default false). */
  longPollRecipient?: boolean;
}

export interface PairBenchmarkResult {
  ack: LatencyPercentiles;
  deliver: LatencyPercentiles;
  /** Send to delivery on bob's long-poll device, under the same load (with longPollRecipient). */
  deliverLongPoll?: LatencyPercentiles;
  durationMs: number;
  missing: number;
}

/**
 * Two users, one device each: alice sends `messages` to bob on an open-loop schedule (send
 * times are fixed in advance, so a slow server shows as latency, not as a lower rate). Each
 * send is timed to its ack (alice) and to its delivery (bob), on one clock.
 */
export async function runPairBenchmark(options: PairBenchmarkOptions): Promise<PairBenchmarkResult> {
  const run = randomBytes(3).toString('hex');
  const alice = new ChatClient({
    urls: options.urls,
    token: options.tokenFor(`bench-alice-${run}`, 'laptop'),
    sendQueueLimit: options.messages + 10,
  });
  const bob = new ChatClient({ urls: options.urls, token: options.tokenFor(`bench-bob-${run}`, 'phone') });
  const bobPolling = options.longPollRecipient
    ? new ChatClient({
        urls: options.urls,
        token: options.tokenFor(`bench-bob-${run}`, 'browser'),
        transport: 'longpoll',
      })
    : undefined;
  const clients = [alice, bob, ...(bobPolling ? [bobPolling] : [])];
  for (const client of clients) client.on('error', () => {});
  await Promise.all(clients.map((client) => client.connect()));
  try {
    const room = await alice.createDirect(`bench-bob-${run}`);
    const sentAt = new Map<string, number>();
    const ack = new LatencyDistribution();
    const deliver = new LatencyDistribution();
    const deliverLongPoll = new LatencyDistribution();
    let delivered = 0;
    let deliveredLongPoll = 0;
    const allDeliveredLongPoll = new Promise<void>((resolve) => {
      if (!bobPolling) return resolve();
      bobPolling.on('message', (message) => {
        const start = sentAt.get(message.clientMsgId);
        if (message.room !== room.id || start === undefined) return;
        deliverLongPoll.recordMs(performance.now() - start);
        if (++deliveredLongPoll === options.messages) resolve();
      });
    });
    const allDelivered = new Promise<void>((resolve) => {
      bob.on('message', (message) => {
        const start = sentAt.get(message.clientMsgId);
        if (message.room !== room.id || start === undefined) return;
        deliver.recordMs(performance.now() - start);
        if (++delivered === options.messages) resolve();
      });
    });
    const started = performance.now();
    const intervalMs = 1000 / options.ratePerSec;
    const acks: Promise<void>[] = [];
    for (let i = 0; i < options.messages; i++) {
      const due = started + i * intervalMs;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      const clientMsgId = `b${run}-${i}`;
      // The intended send time, not the actual one: lateness of the schedule counts as latency.
      sentAt.set(clientMsgId, due);
      acks.push(
        alice
          .send(room.id, `bench ${i} ${'x'.repeat(100)}`, { clientMsgId })
          .then(() => ack.recordMs(performance.now() - due)),
      );
      if (i % 100 === 99) options.onProgress?.(i + 1, delivered);
    }
    await Promise.all(acks);
    await Promise.race([
      Promise.all([allDelivered, allDeliveredLongPoll]),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
    return {
      ack: ack.percentiles(),
      deliver: deliver.percentiles(),
      ...(bobPolling ? { deliverLongPoll: deliverLongPoll.percentiles() } : {}),
      durationMs: performance.now() - started,
      missing: options.messages - delivered + (bobPolling ? options.messages - deliveredLongPoll : 0),
    };
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
