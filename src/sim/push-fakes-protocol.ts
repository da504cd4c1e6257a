import type { ApnsSettings } from '../nodes/pusher/providers/apns-provider.js';
import type { FcmSettings } from '../nodes/pusher/providers/fcm-provider.js';

/** What the benchmark asks of its fakes' thread: both providers up or down, or stop. */
export type FakesRequest = { type: 'mode'; id: number; kind: 'ok' | 'down' } | { type: 'stop'; id: number };

/** What the fakes' thread says: its providers' settings once, running totals of accepted pushes, answers. */
export type FakesReply =
  | { type: 'started'; apns: ApnsSettings; fcm: FcmSettings }
  | { type: 'accepted'; total: number }
  | { type: 'done'; id: number };
