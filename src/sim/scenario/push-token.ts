import { createHash } from 'node:crypto';

/**
 * The push token a planned device registers: a pure function of the run, the user and the
 * device, so the load process that registers it and the checker that looks for it in the
 * push log agree without telling each other, and two runs never share a token (a token
 * registered by another device moves to it). Shaped like the real thing, because the local
 * fakes refuse anything else: APNs device tokens are 64 hex digits; FCM registration tokens
 * are `<instance id>:APA91b<...>` in base64url.
 */
export function pushTokenOf(runId: string, user: string, device: string, platform: 'apns' | 'fcm'): string {
  const digest = (salt: string) =>
    createHash('sha256').update(`${salt}\u0000${runId}\u0000${user}\u0000${device}`).digest();
  if (platform === 'apns') return digest('apns').toString('hex');
  return `${digest('fcm-id').subarray(0, 16).toString('base64url')}:APA91b${Buffer.concat([digest('fcm-a'), digest('fcm-b'), digest('fcm-c')]).toString('base64url')}`;
}
