import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApnsSettings, FcmSettings } from './providers/index.js';
import { FakeApns, FakeFcm, type AcceptedPush } from './fakes/index.js';

export interface LocalFakes {
  apns: ApnsSettings;
  fcm: FcmSettings;
  fakeApns: FakeApns;
  fakeFcm: FakeFcm;
  /** The JSONL file every accepted notification is appended to. */
  receivedFile: string;
  stop(): Promise<void>;
}

/**
 * Local APNs and FCM fakes for `chat-node dev --push fake` (and `chat-node pusher --fake`):
 * the real client libraries talk to them, and every notification they accept is appended to
 * <dataDir>/push/received.jsonl so people and tools can follow along.
 */
export async function startLocalFakes(dataDir: string): Promise<LocalFakes> {
  const dir = join(dataDir, 'push');
  mkdirSync(dir, { recursive: true });
  const receivedFile = join(dir, 'received.jsonl');
  const fakeApns = new FakeApns();
  const fakeFcm = new FakeFcm();
  const record = (push: AcceptedPush) => {
    const { platform, token, title, body, badge, room } = push;
    appendFileSync(receivedFile, `${JSON.stringify({ at: new Date().toISOString(), platform, token, title, body, badge, room })}\n`);
  };
  fakeApns.onAccepted(record);
  fakeFcm.onAccepted(record);
  const [apns, fcm] = await Promise.all([fakeApns.start(), fakeFcm.start()]);
  return {
    apns: apns.settings,
    fcm: fcm.settings,
    fakeApns,
    fakeFcm,
    receivedFile,
    async stop() {
      await Promise.all([fakeApns.stop(), fakeFcm.stop()]);
    },
  };
}
