import { describe, expect, it } from 'vitest';
import {
  checkPresence,
  checkTyping,
  type PresenceViewRecord,
  type TypingViewRecord,
} from '../../../src/sim/oracle/index.js';
import { T0, realId, smallPlan } from './synthetic-run.js';

/** Every device of smallPlan live, each showing its co-members online since `since`. */
function convergedViews(since = T0 + 500): PresenceViewRecord[] {
  const plan = smallPlan();
  const coMembers: Record<string, string[]> = {
    alice: ['bob', 'carol'],
    bob: ['alice', 'carol'],
    carol: ['alice', 'bob'],
    dave: [],
  };
  return plan.users.flatMap((user) =>
    user.devices.map((device) => ({
      user: user.id,
      device: device.id,
      liveAt: T0,
      seen: Object.fromEntries(coMembers[user.id]!.map((peer) => [peer, { status: 'online' as const, since }])),
    })),
  );
}

describe('presence check', () => {
  it('views that show every online co-member online converge, timed from the last device back', () => {
    const report = checkPresence({ plan: smallPlan(), views: convergedViews(), options: { enforce: true } });
    expect(report.ok).toBe(true);
    // alice x2 and bob and carol see two peers each; dave shares no room.
    expect(report).toMatchObject({ devices: 5, pairs: 8, convergedPairs: 8, allOnlineAt: T0, convergenceMs: 500 });
  });

  it('a view still showing an online co-member offline is presence-stale, and never converged', () => {
    const views = convergedViews();
    views.find((v) => v.user === 'bob')!.seen['carol'] = { status: 'offline', since: T0 - 4000 };
    delete views.find((v) => v.user === 'carol')!.seen['alice'];
    const report = checkPresence({ plan: smallPlan(), views, options: { enforce: true } });
    expect(report.ok).toBe(false);
    expect(report.convergenceMs).toBeNull();
    expect(report.violationCounts['presence-stale']).toBe(2);
    expect(report.violations[0]).toMatchObject({ user: 'bob', device: 'phone' });
    expect(report.violations[0]!.detail).toContain('carol as offline');
    expect(report.violations[1]!.detail).toContain('alice as unknown');
    // Not enforced (presence.checkConvergence false): counted, not a violation.
    const loose = checkPresence({ plan: smallPlan(), views });
    expect(loose.ok).toBe(true);
    expect(loose).toMatchObject({ convergedPairs: 6, pairs: 8, convergenceMs: null });
  });

  it('a co-member with no device connected at the end, and rooms above the fan-out cap, are not judged', () => {
    const views = convergedViews();
    const carol = views.find((v) => v.user === 'carol')!;
    carol.liveAt = null;
    for (const view of views) if (view.seen['carol']) view.seen['carol'] = { status: 'offline', since: T0 };
    const report = checkPresence({ plan: smallPlan(), views, options: { enforce: true } });
    expect(report.ok).toBe(true);
    expect(report).toMatchObject({ devices: 4, pairs: 3, offlinePeers: 3 });
    // With a cap of 2, only the dm counts: alice's devices see bob, bob sees alice.
    const capped = checkPresence({
      plan: smallPlan(),
      views: convergedViews(),
      options: { enforce: true, fanoutMax: 2 },
    });
    expect(capped.pairs).toBe(3);
  });
});

describe('typing check', () => {
  const plan = () => ({ ...smallPlan(), typing: [{ atMs: 3000, user: 'carol', device: 'laptop', room: 'group' }] });
  const roomIds = Object.fromEntries(smallPlan().rooms.map((room) => [room.key, realId(room.key)]));
  const shown = (at: number, user = 'carol'): TypingViewRecord[] => [
    { user: 'alice', device: 'laptop', at, shown: [{ room: realId('group'), user }] },
  ];

  it('nothing shown at the end passes', () => {
    const report = checkTyping({
      plan: plan(),
      roomIds,
      t0: T0,
      views: [{ user: 'alice', device: 'laptop', at: T0 + 20_000, shown: [] }],
    });
    expect(report).toMatchObject({ ok: true, planned: 1, shown: 0 });
  });

  it('an indicator still shown well past the TTL of its last start is typing-stuck', () => {
    const report = checkTyping({ plan: plan(), roomIds, t0: T0, views: shown(T0 + 20_000) });
    expect(report.ok).toBe(false);
    expect(report.violations[0]).toMatchObject({
      kind: 'typing-stuck',
      roomKey: 'group',
      user: 'alice',
      device: 'laptop',
    });
    expect(report.violations[0]!.detail).toContain('17000 ms after the last start');
  });

  it('an indicator within the TTL of its start is too recent to judge; one never planned is stuck', () => {
    expect(checkTyping({ plan: plan(), roomIds, t0: T0, views: shown(T0 + 9000) })).toMatchObject({
      ok: true,
      shown: 1,
      recent: 1,
    });
    expect(
      checkTyping({ plan: plan(), roomIds, t0: T0, views: shown(T0 + 4000, 'bob') }).violationCounts['typing-stuck'],
    ).toBe(1);
  });
});
