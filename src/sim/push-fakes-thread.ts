import { parentPort } from 'node:worker_threads';
import { FakeApns, FakeFcm, TestCa, type FakeMode } from '../nodes/pusher/fakes/index.js';
import type { FakesReply, FakesRequest } from './push-fakes-protocol.js';

/**
 * The APNs and FCM fakes of `chat-node bench push`, on a thread of their own: the real providers
 * are other machines, so their TLS, HTTP/2 and JSON work is not charged to the pusher's event loop.
 * Accepted pushes are reported as counts, every few milliseconds, not one message each.
 */
const port = parentPort;
if (!port) throw new Error('push-fakes-thread runs as a worker thread');

const ca = TestCa.create();
const apns = new FakeApns({ ca, retainAccepted: 10 });
const fcm = new FakeFcm({ ca, retainAccepted: 10 });
let accepted = 0;
let reported = 0;
apns.onAccepted(() => accepted++);
fcm.onAccepted(() => accepted++);
const reporter = setInterval(() => {
  if (accepted === reported) return;
  reported = accepted;
  port.postMessage({ type: 'accepted', total: accepted } satisfies FakesReply);
}, 5);

const [apnsInfo, fcmInfo] = await Promise.all([apns.start(), fcm.start()]);
port.postMessage({ type: 'started', apns: apnsInfo.settings, fcm: fcmInfo.settings } satisfies FakesReply);

port.on('message', (request: FakesRequest) => {
  void (async () => {
    if (request.type === 'mode') {
      const mode: FakeMode = { kind: request.kind };
      await Promise.all([apns.setMode(mode), fcm.setMode(mode)]);
      port.postMessage({ type: 'done', id: request.id } satisfies FakesReply);
      return;
    }
    clearInterval(reporter);
    await Promise.all([apns.stop(), fcm.stop()]);
    port.postMessage({ type: 'done', id: request.id } satisfies FakesReply);
    port.close();
  })();
});
