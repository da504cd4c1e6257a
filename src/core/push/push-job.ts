/** Fan-out -> pusher, on the push work queue (JetStream): one message for one offline device. */
export interface PushJob {
  user: string;
  device: string;
  platform: 'apns' | 'fcm';
  token: string;
  /** false: content-free notification. */
  preview: boolean;
  room: string;
  sender: string;
  /** The message body (the pusher decides what of it to show). */
  body: string;
  seq: number;
  msgId: string;
  ts: number;
}

export type PushPolicy = 'always' | 'hold-while-active';
