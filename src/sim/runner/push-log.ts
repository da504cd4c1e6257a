import { existsSync, readFileSync } from 'node:fs';
import type { PushNotificationRecord } from '../oracle/index.js';

/**
 * Reads the push log the local APNs/FCM fakes append to (`<data-dir>/push/received.jsonl`, one
 * JSON object per accepted notification: at (ISO time), platform, token, title, body, badge,
 * room). A missing file is an empty log: the fakes create it with the first notification.
 * Lines that do not parse (a line being written as we read) are skipped.
 */
export function readPushLog(path: string): PushNotificationRecord[] {
  if (!existsSync(path)) return [];
  const records: PushNotificationRecord[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    const record = toRecord(parsed);
    if (record) records.push(record);
  }
  return records;
}

function toRecord(value: unknown): PushNotificationRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { at, platform, token, room } = value as Record<string, unknown>;
  if ((platform !== 'apns' && platform !== 'fcm') || typeof token !== 'string') return undefined;
  const time = typeof at === 'string' ? Date.parse(at) : typeof at === 'number' ? at : NaN;
  if (!Number.isFinite(time)) return undefined;
  return { platform, token, room: typeof room === 'string' ? room : '', at: time };
}
