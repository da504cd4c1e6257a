import { describe, expect, it } from 'vitest';
import { checkPushes, type PushCheckInput, type PushNotificationRecord } from '../../../src/sim/oracle/index.js';
import { pushTokenOf } from '../../../src/sim/scenario/push-token.js';
import { T0, flawlessRun, realId, smallPlan } from './synthetic-run.js';

const BOB = pushTokenOf('r1', 'bob', 'phone', 'apns');
const ALICE_LAPTOP = pushTokenOf('r1', 'alice', 'laptop', 'fcm');

/**
 * smallPlan with push on bob/phone (APNs) and alice/laptop (FCM). bob's phone is offline from
 * 2.5 s to 6.5 s: dm #3 (alice, sent at 4 s) lands wholly inside that, so bob's phone must get
 * a notification for the dm; group #2 (alice, 3 s) is too close to the disconnect to demand
 * one but may have one; alice's laptop is never offline, so it must get none.
 */
function pushRun(
  notifications: PushNotificationRecord[] = [
    { platform: 'apns', token: BOB, room: realId('dm'), at: T0 + 4005 + 1100 },
  ],
): PushCheckInput {
  const plan = smallPlan();
  plan.users[1]!.devices[0]!.push = 'apns';
  plan.users[0]!.devices[0]!.push = 'fcm';
  const run = flawlessRun(plan);
  run.windows['bob/phone'] = [
    { from: T0 - 1000, to: T0 + 2500 },
    { from: T0 + 6500, to: null },
  ];
  return {
    plan,
    roomIds: run.roomIds,
    acks: run.acks,
    windows: run.windows,
    registrations: {
      'bob/phone': { platform: 'apns', token: BOB },
      'alice/laptop': { platform: 'fcm', token: ALICE_LAPTOP },
    },
    notifications,
    readAt: run.endedAt,
    // The default (2 s) is for loaded machines; this small run's times are exact.
    options: { marginMs: 1000 },
  };
}

describe('push check', () => {
  it('a notification for the room written in while offline passes, with its latency from the ack', () => {
    const report = checkPushes(pushRun());
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({
      expectedPairs: 1,
      notifiedPairs: 1,
      delivery: 1,
      notifications: 1,
      foreignNotifications: 0,
      devices: { planned: 2, registered: 2 },
    });
    expect(report.latency).toEqual({ count: 1, p50: 1100, p90: 1100, p99: 1100, max: 1100 });
  });

  it('no notification for an offline device and room is push-missing', () => {
    const report = checkPushes(pushRun([]));
    expect(report.ok).toBe(false);
    expect(report.delivery).toBe(0);
    expect(report.violationCounts['push-missing']).toBe(1);
    expect(report.violations[0]).toMatchObject({
      kind: 'push-missing',
      room: realId('dm'),
      roomKey: 'dm',
      user: 'bob',
      device: 'phone',
      seq: 3,
    });
  });

  it('a notification for a room the user is not in is push-non-member', () => {
    const input = pushRun();
    input.notifications = [
      ...input.notifications,
      { platform: 'apns', token: BOB, room: realId('solo'), at: T0 + 5000 },
      { platform: 'apns', token: BOB, room: realId('solo'), at: T0 + 5100 },
    ];
    const report = checkPushes(input);
    expect(report.violationCounts['push-non-member']).toBe(2);
    expect(report.violations).toHaveLength(1);
    expect(report.violations[0]).toMatchObject({
      kind: 'push-non-member',
      roomKey: 'solo',
      user: 'bob',
      device: 'phone',
    });
  });

  it('a notification to a device that was connected throughout is push-unexpected', () => {
    const input = pushRun();
    input.notifications = [
      ...input.notifications,
      { platform: 'fcm', token: ALICE_LAPTOP, room: realId('dm'), at: T0 + 3000 },
    ];
    const report = checkPushes(input);
    expect(report.violationCounts['push-unexpected']).toBe(1);
    expect(report.violations[0]).toMatchObject({
      kind: 'push-unexpected',
      user: 'alice',
      device: 'laptop',
      roomKey: 'dm',
    });
  });

  it("a notification near a disconnect is allowed but not demanded; other runs' tokens are ignored", () => {
    const input = pushRun();
    input.notifications = [
      ...input.notifications,
      { platform: 'apns', token: BOB, room: realId('group'), at: T0 + 4100 },
      { platform: 'fcm', token: 'someone-else', room: realId('dm'), at: T0 + 4100 },
    ];
    const report = checkPushes(input);
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({ expectedPairs: 1, notifications: 2, foreignNotifications: 1 });
  });

  it('a device counts as possibly offline until its next connection went live, not from when it was opened', () => {
    const input = pushRun();
    // alice's laptop drops at 7.5 s and opens a new connection at 7.6 s that is live only at 9.5 s
    // (a loaded gateway): bob's dm #5 at 8 s may well be pushed to it.
    input.windows = {
      ...(input.windows as Record<string, never>),
      'alice/laptop': [
        { from: T0 - 1000, to: T0 + 7500 },
        { from: T0 + 7600, liveAt: T0 + 9500, to: null },
      ],
    };
    input.notifications = [
      ...input.notifications,
      { platform: 'fcm', token: ALICE_LAPTOP, room: realId('dm'), at: T0 + 9200 },
    ];
    const options = { marginMs: 0 };
    // (Without a margin bob's phone also owes a group notification: only alice's laptop matters here.)
    expect(checkPushes({ ...input, options }).violations.filter((v) => v.user === 'alice')).toEqual([]);
    // Live 50 ms after it opened: connected when bob wrote, so that push went to a connected device.
    const opened = {
      'alice/laptop': [
        { from: T0 - 1000, to: T0 + 7500, liveAt: T0 - 950 },
        { from: T0 + 7600, liveAt: T0 + 7650, to: null },
      ],
    };
    const report = checkPushes({
      ...input,
      options,
      windows: { ...(input.windows as Record<string, never>), ...opened },
    });
    expect(report.violationCounts['push-unexpected']).toBe(1);
    expect(report.violations[0]!.detail).toContain(`offline ${T0 + 7500}-${T0 + 7650}`);
  });

  it('latency counts only from messages that surely made a push job', () => {
    const input = pushRun();
    // group #2 (3 s) came 0.5 s after bob's phone dropped: it may or may not have been pushed, so a
    // late group notification is allowed but says nothing about push latency.
    input.notifications = [
      ...input.notifications,
      { platform: 'apns', token: BOB, room: realId('group'), at: T0 + 9000 },
    ];
    const report = checkPushes(input);
    expect(report.ok).toBe(true);
    expect(report.latency).toEqual({ count: 1, p50: 1100, p90: 1100, p99: 1100, max: 1100 });
  });

  it('a message committed but never acked (its sender dropped) explains a push, and owes none', () => {
    const plan = smallPlan();
    plan.users[2]!.devices[0]!.push = 'apns';
    const run = flawlessRun(plan);
    const carol = pushTokenOf('r1', 'carol', 'laptop', 'apns');
    // The others' group messages were committed and shown, but their senders never got the acks.
    const acks = run.acks.filter((ack) => ack.room !== realId('group') || ack.user === 'carol');
    const input: PushCheckInput = {
      plan,
      roomIds: run.roomIds,
      acks,
      windows: {
        ...run.windows,
        'carol/laptop': [
          { from: T0 - 1000, to: T0 + 500 },
          { from: T0 + 9500, to: null },
        ],
      },
      registrations: { 'carol/laptop': { platform: 'apns', token: carol } },
      notifications: [{ platform: 'apns', token: carol, room: realId('group'), at: T0 + 4000 }],
      readAt: run.endedAt,
    };
    expect(checkPushes(input).violationCounts['push-unexpected']).toBe(1);
    const report = checkPushes({ ...input, shown: { logs: run.logs, t0: T0 } });
    expect(report.ok).toBe(true);
    expect(report.expectedPairs).toBe(0);
  });

  it('a planned push device without a registered token is push-unregistered', () => {
    const input = pushRun();
    input.plan.users[2]!.devices[0]!.push = 'fcm';
    const report = checkPushes(input);
    expect(report.violationCounts['push-unregistered']).toBe(1);
    expect(report.violations[0]).toMatchObject({ user: 'carol', device: 'laptop' });
  });

  it('a message acked just before the log was read demands nothing yet', () => {
    const input = pushRun([]);
    input.readAt = T0 + 4005 + 1000;
    const report = checkPushes(input);
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({ expectedPairs: 0, unsettledPairs: 1, delivery: 1 });
  });

  it('with hold-while-active, a user active on another device is not owed a push', () => {
    const input = pushRun([]);
    // alice/phone registered and offline while bob writes in the dm (2 s): alice's laptop stays connected.
    input.plan.users[0]!.devices[1]!.push = 'apns';
    const phone = pushTokenOf('r1', 'alice', 'phone', 'apns');
    input.registrations = {
      ...(input.registrations as Record<string, never>),
      'alice/phone': { platform: 'apns', token: phone },
    };
    input.windows = {
      ...(input.windows as Record<string, never>),
      'alice/phone': [
        { from: T0 - 1000, to: T0 },
        { from: T0 + 9000, to: null },
      ],
    };
    const always = checkPushes(input);
    expect(always.violations.filter((v) => v.device === 'phone' && v.user === 'alice').length).toBeGreaterThan(0);
    const held = checkPushes({ ...input, options: { policy: 'hold-while-active' } });
    expect(held.violations.filter((v) => v.user === 'alice')).toEqual([]);
  });
});

describe('push token', () => {
  it("deterministic per run, user and device, and shaped like the platform's", () => {
    expect(pushTokenOf('r1', 'bob', 'phone', 'apns')).toBe(BOB);
    expect(BOB).toMatch(/^[0-9a-f]{64}$/);
    expect(pushTokenOf('r2', 'bob', 'phone', 'apns')).not.toBe(BOB);
    expect(pushTokenOf('r1', 'bob', 'tablet', 'apns')).not.toBe(BOB);
    expect(ALICE_LAPTOP).toMatch(/^[A-Za-z0-9_-]{22}:APA91b[A-Za-z0-9_-]{100,}$/);
  });
});
