import { readFileSync } from 'node:fs';
import {
  createApnsProvider,
  createFcmProvider,
  type ApnsSettings,
  type FcmSettings,
  type PushProvider,
} from './providers/index.js';

/** What an operator configures (flags or environment); files are read here. */
export interface ProviderFlags {
  apnsKeyFile?: string;
  apnsKeyId?: string;
  apnsTeamId?: string;
  apnsTopic?: string;
  apnsProduction?: boolean;
  apnsHost?: string;
  apnsPort?: number;
  apnsCaFile?: string;
  fcmServiceAccountFile?: string;
  fcmProjectId?: string;
  fcmEndpoint?: string;
  fcmTokenUri?: string;
  fcmCaFile?: string;
}

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

/** APNs settings when any APNs flag is given (then all four identity flags are required). */
export function apnsSettingsOf(flags: ProviderFlags): ApnsSettings | undefined {
  if (!flags.apnsKeyFile && !flags.apnsKeyId && !flags.apnsTeamId && !flags.apnsTopic) return undefined;
  const missing = (['apnsKeyFile', 'apnsKeyId', 'apnsTeamId', 'apnsTopic'] as const).filter((name) => !flags[name]);
  if (missing.length > 0) {
    throw new Error(
      `APNs needs --apns-key-file, --apns-key-id, --apns-team-id and --apns-topic; missing: ${missing.map((m) => `--${m.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(', ')}`,
    );
  }
  return {
    keyPem: read(flags.apnsKeyFile!, 'APNs key (.p8)'),
    keyId: flags.apnsKeyId!,
    teamId: flags.apnsTeamId!,
    topic: flags.apnsTopic!,
    production: flags.apnsProduction ?? false,
    host: flags.apnsHost,
    port: flags.apnsPort,
    caPem: flags.apnsCaFile ? read(flags.apnsCaFile, 'APNs CA file') : undefined,
  };
}

/** FCM settings when a service account file is given. */
export function fcmSettingsOf(flags: ProviderFlags): FcmSettings | undefined {
  if (!flags.fcmServiceAccountFile) return undefined;
  let account: { client_email?: string; private_key?: string; project_id?: string };
  try {
    account = JSON.parse(read(flags.fcmServiceAccountFile, 'FCM service account file')) as typeof account;
  } catch (error) {
    throw new Error(`the FCM service account file is not valid JSON: ${(error as Error).message}`);
  }
  if (!account.client_email || !account.private_key)
    throw new Error('the FCM service account file needs client_email and private_key');
  const projectId = flags.fcmProjectId ?? account.project_id;
  if (!projectId) throw new Error('FCM needs a project: --fcm-project-id, or project_id in the service account file');
  return {
    projectId,
    serviceAccount: {
      client_email: account.client_email,
      private_key: account.private_key,
      project_id: account.project_id,
    },
    endpoint: flags.fcmEndpoint,
    tokenUri: flags.fcmTokenUri,
    caPem: flags.fcmCaFile ? read(flags.fcmCaFile, 'FCM CA file') : undefined,
  };
}

export function providersOf(apns: ApnsSettings | undefined, fcm: FcmSettings | undefined): PushProvider[] {
  return [...(apns ? [createApnsProvider(apns)] : []), ...(fcm ? [createFcmProvider(fcm)] : [])];
}
