export { FakeApns, type FakeApnsInfo, type FakeApnsOptions } from './fake-apns.js';
export { FakeFcm, type FakeFcmInfo, type FakeFcmOptions } from './fake-fcm.js';
export type { AcceptedPush, FakeMode, FakeServiceOptions } from './fake-push-service.js';
export { TestCa } from './test-ca.js';
