export { FakeApns, type FakeApnsInfo, type FakeApnsOptions } from './fake-apns.js';
export { FakeFcm, type FakeFcmInfo, type FakeFcmOptions } from './fake-fcm.js';
export type { AcceptedPush, FakeMode, FakeServiceOptions } from './fake-push-service.js';
export {
  FAKE_MODE_APPLIED_FILE,
  FAKE_MODE_FILE,
  FakeModeFile,
  parseFakeModes,
  switchFakeModes,
  type FakeModes,
} from './fake-mode-file.js';
export { TestCa } from './test-ca.js';
