import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ApnsSettings, FcmSettings } from './providers/index.js';
import { FakeApns, FakeFcm, FakeModeFile, type AcceptedPush } from './fakes/index.js';

export interface LocalFakes {
  apns: ApnsSettings;
  fcm: FcmSettings;
  fakeApns: FakeApns;
  fakeFcm: FakeFcm;
  /** The JSONL file every accepted notification is appended to. */
  receivedFile: string;
  /** The folder of received.jsonl and of fake-mode.json, which switches the fakes' failure modes (fakes/fake-mode-file.ts). */
  dir: string;
  stop(): Promise<void>;
}

/**
 * Local APNs and FCM fakes for `chat-node dev --push fake` (and `chat-node pusher --fake`):
 * the real client libraries talk to them, and every notification they accept is appended to
 * <dataDir>/push/received.jsonl so people and tools can follow along. Writing
 * <dataDir>/push/fake-mode.json puts them into an outage (down, 503, slow) and back; a file that
 * does not parse is reported through `onProblem` (default: stderr).
 */
export async function startLocalFakes(
  dataDir: string,
  onProblem: (message: string) => void = (message) => process.stderr.write(`${message}\n`),
): Promise<LocalFakes> {
  const dir = join(dataDir, 'push');
  mkdirSync(dir, { recursive: true });
  const receivedFile = join(dir, 'received.jsonl');
  const fakeApns = new FakeApns();
  const fakeFcm = new FakeFcm();
  const record = (push: AcceptedPush) => {
    const { platform, token, title, body, badge, room } = push;
    appendFileSync(
      receivedFile,
      `${JSON.stringify({ at: new Date().toISOString(), platform, token, title, body, badge, room })}\n`,
    );
  };
  fakeApns.onAccepted(record);
  fakeFcm.onAccepted(record);
  const [apns, fcm] = await Promise.all([fakeApns.start(), fakeFcm.start()]);
  const modeFile = new FakeModeFile(dir, { apns: fakeApns, fcm: fakeFcm }, onProblem);
  modeFile.start();
  return {
    apns: apns.settings,
    fcm: fcm.settings,
    fakeApns,
    fakeFcm,
    receivedFile,
    dir,
    async stop() {
      modeFile.stop();
      await Promise.all([fakeApns.stop(), fakeFcm.stop()]);
    },
  };
}
