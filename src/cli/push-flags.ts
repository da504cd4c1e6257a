import type { ResolvedSettings } from '../core/config/resolve-settings.js';
import type { SettingKey } from '../core/config/settings.js';
import type { ProviderFlags } from '../nodes/pusher/provider-config.js';

/** How the pusher reaches APNs and FCM: settings of the table, named as ProviderFlags' fields. */
const PROVIDER_KEYS = [
  'apnsKeyFile',
  'apnsKeyId',
  'apnsTeamId',
  'apnsTopic',
  'apnsProduction',
  'apnsHost',
  'apnsPort',
  'apnsCaFile',
  'fcmServiceAccountFile',
  'fcmProjectId',
  'fcmEndpoint',
  'fcmTokenUri',
  'fcmCaFile',
] as const satisfies ReadonlyArray<keyof ProviderFlags & SettingKey>;

// Every field of ProviderFlags is one of them.
type Unlisted = Exclude<keyof ProviderFlags, (typeof PROVIDER_KEYS)[number]>;
const everyField: [Unlisted] extends [never] ? true : Unlisted = true;
void everyField;

export function providerFlagsOf(settings: ResolvedSettings): ProviderFlags {
  const flags = Object.fromEntries(PROVIDER_KEYS.map((key) => [key, settings.value(key)])) as ProviderFlags;
  return { ...flags, apnsProduction: flags.apnsProduction === true };
}
