import { describe, expect, it } from 'vitest';
import type { Message } from '../../../src/core/protocol/server-frames.js';
import { planPushes, type PushPlanInput } from '../../../src/nodes/fanout/push-planner.js';
import type { PushRegistration } from '../../../src/core/storage/push-store.js';

const message: Message = {
  room: 'r1',
  seq: 1,
  msgId: 'm1',
  sender: 'alice',
  senderDevice: 'laptop',
  clientMsgId: 'c',
  body: 'hi',
  ts: 1,
};
function registration(user: string, device: string, overrides: Partial<PushRegistration> = {}): PushRegistration {
  return { user, device, platform: 'fcm', token: `${user}-${device}`, preview: true, mutedRooms: [], ...overrides };
}
function input(overrides: Partial<PushPlanInput>): PushPlanInput {
  return {
    messages: [message],
    membersByRoom: new Map([['r1', ['alice', 'bob', 'carol']]]),
    routes: new Map(),
    aliveNodes: new Set(['gw1']),
    registrations: [],
    policy: 'always',
    activeUsers: new Set(),
    ...overrides,
  };
}

describe('push - planning who gets a push', () => {
  it('a registered device without a live connection gets a job; a connected one does not', () => {
    const plan = planPushes(
      input({
        registrations: [registration('bob', 'phone'), registration('bob', 'tablet')],
        routes: new Map([['bob', new Map([['tablet', ['gw1']]])]]),
      }),
    );
    expect(plan.jobs.map((j) => j.device)).toEqual(['phone']);
    expect(plan.suppressed).toEqual([{ user: 'bob', device: 'tablet', room: 'r1', reason: 'connected' }]);
  });

  it('a route to a dead gateway does not count as connected', () => {
    const plan = planPushes(
      input({
        registrations: [registration('bob', 'phone')],
        routes: new Map([['bob', new Map([['phone', ['gw-dead']]])]]),
      }),
    );
    expect(plan.jobs).toHaveLength(1);
  });

  it("the sender's own devices and muted rooms get none, with the reason", () => {
    const plan = planPushes(
      input({
        registrations: [registration('alice', 'phone'), registration('carol', 'phone', { mutedRooms: ['r1'] })],
      }),
    );
    expect(plan.jobs).toEqual([]);
    expect(plan.suppressed.map((s) => s.reason).sort()).toEqual(['muted', 'own-message']);
  });

  it('hold-while-active holds back pushes of a user active elsewhere', () => {
    const registrations = [registration('bob', 'phone'), registration('carol', 'phone')];
    const always = planPushes(input({ registrations, activeUsers: new Set(['bob']) }));
    expect(always.jobs.map((j) => j.user)).toEqual(['bob', 'carol']);
    const hold = planPushes(input({ registrations, policy: 'hold-while-active', activeUsers: new Set(['bob']) }));
    expect(hold.jobs.map((j) => j.user)).toEqual(['carol']);
    expect(hold.suppressed).toEqual([{ user: 'bob', device: 'phone', room: 'r1', reason: 'user-active' }]);
  });
});
