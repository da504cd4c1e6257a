import type { JetStreamClient } from '@nats-io/jetstream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Subjects } from '../../../src/core/bus/subjects.js';
import type { PresenceStore } from '../../../src/core/presence/presence-store.js';
import type { Message } from '../../../src/core/protocol/server-frames.js';
import type { PushRegistration } from '../../../src/core/storage/push-store.js';
import { createFanoutMetrics } from '../../../src/nodes/fanout/fanout-metrics.js';
import { PushEnqueuer } from '../../../src/nodes/fanout/push-enqueuer.js';

/** A committed message of bob's in a room of bob and ann; ann has a phone registered for pushes. */
const message: Message = {
  room: 'g_r',
  seq: 1,
  msgId: 'm1',
  sender: 'bob',
  senderDevice: 'laptop',
  clientMsgId: 'c1',
  body: 'hi',
  ts: Date.now(),
};
const phone: PushRegistration = {
  user: 'ann',
  device: 'phone',
  platform: 'fcm',
  token: 't',
  preview: true,
  mutedRooms: [],
};
const committed = [{ message, replay: false, members: ['ann', 'bob'], registrations: [phone] }];

function enqueuerWith(presence: Partial<PresenceStore>) {
  const queued: string[] = [];
  const js = {
    publish: async (_subject: string, _data: Uint8Array, options: { msgID: string }) => queued.push(options.msgID),
  } as unknown as JetStreamClient;
  const enqueuer = new PushEnqueuer({
    js,
    subjects: { push: (platform: string) => `push.${platform}` } as unknown as Subjects,
    presence: presence as PresenceStore,
    policy: 'always',
    activeWindowSec: 60,
    metrics: createFanoutMetrics(new Registry()),
    log: pino({ level: 'silent' }),
    presenceTimeoutMs: 100,
  });
  return { enqueuer, queued };
}

describe('fan-out - push decisions while Redis is out of reach', () => {
  it('without routes (the delivery could not read them) pushes every registered device of the members, asking presence nothing', async () => {
    let asked = 0;
    const { enqueuer, queued } = enqueuerWith({
      aliveNodes: async () => {
        asked += 1;
        throw new Error('redis down');
      },
    });
    await enqueuer.enqueue(committed, undefined);
    expect(queued).toEqual(['m1:ann:phone']);
    expect(asked).toBe(0);
  });

  it('presence that never answers does not hold the decision (and so the acks): it goes on as if the device were offline', async () => {
    const { enqueuer, queued } = enqueuerWith({ aliveNodes: () => new Promise<string[]>(() => {}) });
    const routes = new Map([['ann', new Map([['phone', ['gw-1']]])]]);
    const outcome = await Promise.race([
      enqueuer.enqueue(committed, routes).then(() => 'decided'),
      new Promise((resolve) => setTimeout(() => resolve('still waiting after 2 s'), 2000)),
    ]);
    expect(outcome).toBe('decided');
    expect(queued).toEqual(['m1:ann:phone']);
  });
});
