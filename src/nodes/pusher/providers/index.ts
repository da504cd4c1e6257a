export type { ProviderOutcome, PushNotification, PushProvider } from './push-provider.js';
export { DEFAULT_PROVIDER_TIMEOUT_MS } from './push-provider.js';
export { createApnsProvider, type ApnsSettings } from './apns-provider.js';
export { createFcmProvider, type FcmSettings } from './fcm-provider.js';
