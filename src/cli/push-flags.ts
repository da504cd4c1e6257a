import { Flags } from '@oclif/core';
import type { ProviderFlags } from '../nodes/pusher/provider-config.js';

/** How the pusher reaches APNs and FCM. */
export const providerFlags = {
  'apns-key-file': Flags.string({ description: 'APNs token signing key (.p8)', env: 'CHAT_APNS_KEY_FILE', helpGroup: 'APNS' }),
  'apns-key-id': Flags.string({ description: 'its key id', env: 'CHAT_APNS_KEY_ID', helpGroup: 'APNS' }),
  'apns-team-id': Flags.string({ description: 'Apple team id', env: 'CHAT_APNS_TEAM_ID', helpGroup: 'APNS' }),
  'apns-topic': Flags.string({ description: "the app's bundle id", env: 'CHAT_APNS_TOPIC', helpGroup: 'APNS' }),
  'apns-production': Flags.boolean({ description: 'use api.push.apple.com (default: the sandbox)', env: 'CHAT_APNS_PRODUCTION', helpGroup: 'APNS' }),
  'apns-host': Flags.string({ description: "another APNs host (a proxy or a fake); default Apple's", env: 'CHAT_APNS_HOST', helpGroup: 'APNS' }),
  'apns-port': Flags.integer({ description: 'its port (default 443)', env: 'CHAT_APNS_PORT', helpGroup: 'APNS' }),
  'apns-ca-file': Flags.string({ description: 'CA to trust for that host (default: system roots)', env: 'CHAT_APNS_CA_FILE', helpGroup: 'APNS' }),
  'fcm-service-account-file': Flags.string({ description: 'Firebase service account key (JSON)', env: 'CHAT_FCM_SERVICE_ACCOUNT_FILE', helpGroup: 'FCM' }),
  'fcm-project-id': Flags.string({ description: "Firebase project (default: the key file's project_id)", env: 'CHAT_FCM_PROJECT_ID', helpGroup: 'FCM' }),
  'fcm-endpoint': Flags.string({ description: 'another FCM base URL (a proxy or a fake)', env: 'CHAT_FCM_ENDPOINT', helpGroup: 'FCM' }),
  'fcm-token-uri': Flags.string({ description: 'another OAuth token URL (ending in /token)', env: 'CHAT_FCM_TOKEN_URI', helpGroup: 'FCM' }),
  'fcm-ca-file': Flags.string({ description: 'CA to trust for those (default: system roots)', env: 'CHAT_FCM_CA_FILE', helpGroup: 'FCM' }),
  'collapse-window-ms': Flags.integer({
    description: 'pushes of one device and room within this become one notification',
    default: 1000,
    env: 'CHAT_PUSH_COLLAPSE_MS',
    helpGroup: 'PUSH',
  }),
};

export function providerFlagsOf(flags: Record<string, unknown>): ProviderFlags {
  const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  return {
    apnsKeyFile: str('apns-key-file'),
    apnsKeyId: str('apns-key-id'),
    apnsTeamId: str('apns-team-id'),
    apnsTopic: str('apns-topic'),
    apnsProduction: flags['apns-production'] === true,
    apnsHost: str('apns-host'),
    apnsPort: typeof flags['apns-port'] === 'number' ? (flags['apns-port'] as number) : undefined,
    apnsCaFile: str('apns-ca-file'),
    fcmServiceAccountFile: str('fcm-service-account-file'),
    fcmProjectId: str('fcm-project-id'),
    fcmEndpoint: str('fcm-endpoint'),
    fcmTokenUri: str('fcm-token-uri'),
    fcmCaFile: str('fcm-ca-file'),
  };
}
