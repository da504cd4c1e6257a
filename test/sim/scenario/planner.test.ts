import { describe, expect, it } from 'vitest';
import { ID_PATTERN } from '../../../src/core/protocol/ids.js';
import {
  planScenario,
  planSummary,
  resolveClientLayout,
  SOURCE_ADDRESS_BIND_CLIFF,
} from '../../../src/sim/scenario/index.js';
import type { SimPlan } from '../../../src/sim/sim-types.js';
import { scenario } from './helpers.js';

const BASE = `
seed: 9
users: 3000
devicesPerUser: { 1: 0.5, 2: 0.3, 3: 0.2 }
rooms: { directShare: 0.7, roomsPerUser: 3, groupSize: { min: 3, max: 10 }, cap: 10 }
messages: { totalRate: 200, bodyChars: { min: 5, max: 50 } }
phases: { rampUp: 10s, steady: 30s, drain: 5s }
churn: { share: 0.25, offlineFor: { min: 2s, max: 10s } }
typing: { share: 0.4, leadMs: 800ms }
push: { share: 0.3, platform: mixed }
`;
const base = scenario(BASE);
const plan = planScenario(base, 'run42');

function devicesByUser(p: SimPlan) {
  return new Map(p.users.map((user) => [user.id, new Map(user.devices.map((device) => [device.id, device]))]));
}
function isOfflineAt(offline: Array<{ fromMs: number; toMs: number }>, atMs: number): boolean {
  return offline.some((period) => atMs >= period.fromMs && atMs < period.toMs);
}

describe('planner - determinism', () => {
  it('the same seed and run id give an identical plan', () => {
    expect(planScenario(scenario(BASE), 'run42')).toEqual(plan);
  });

  it('another seed gives another plan', () => {
    const other = planScenario({ ...base, seed: 10 }, 'run42');
    expect(other.rooms).not.toEqual(plan.rooms);
    expect(other.sends.slice(0, 50)).not.toEqual(plan.sends.slice(0, 50));
  });

  it('another run id changes only the ids', () => {
    const other = planScenario(base, 'run43');
    expect(other.sends.map((send) => send.atMs)).toEqual(plan.sends.map((send) => send.atMs));
    expect(other.users[0]!.id).toBe('run43-u1');
    expect(other.rooms.map((room) => room.members.length)).toEqual(plan.rooms.map((room) => room.members.length));
  });

  it('changing churn moves device choices, not send times, senders or rooms', () => {
    const calmer = planScenario({ ...base, churn: { ...base.churn, share: 0 } }, 'run42');
    expect(calmer.rooms).toEqual(plan.rooms);
    // Without churn nothing is skipped, so the churned plan's sends are a subsequence.
    const calm = new Set(calmer.sends.map((send) => `${send.atMs}/${send.user}/${send.room}/${send.bodyChars}`));
    for (const send of plan.sends)
      expect(calm.has(`${send.atMs}/${send.user}/${send.room}/${send.bodyChars}`)).toBe(true);
  });
});

describe('planner - ids', () => {
  it('every id matches the id pattern and users and rooms carry the run id', () => {
    for (const user of plan.users) {
      expect(user.id).toMatch(ID_PATTERN);
      expect(user.id.startsWith('run42-u')).toBe(true);
      for (const device of user.devices) expect(device.id).toMatch(ID_PATTERN);
      expect(new Set(user.devices.map((device) => device.id)).size).toBe(user.devices.length);
    }
    for (const room of plan.rooms) {
      expect(room.key).toMatch(ID_PATTERN);
      expect(room.key.startsWith('run42-r')).toBe(true);
    }
    expect(new Set(plan.users.map((user) => user.id)).size).toBe(plan.users.length);
    expect(new Set(plan.rooms.map((room) => room.key)).size).toBe(plan.rooms.length);
  });

  it('clientMsgIds are valid ids, unique per user and counted in send order', () => {
    const next = new Map<string, number>();
    for (const send of plan.sends) {
      expect(send.clientMsgId).toMatch(ID_PATTERN);
      const n = (next.get(send.user) ?? 0) + 1;
      expect(send.clientMsgId).toBe(`m${n}`);
      next.set(send.user, n);
    }
  });

  it('a run id that is not an id, or too long for the suffixes, is refused', () => {
    expect(() => planScenario(base, 'run.1')).toThrow(RangeError);
    expect(() => planScenario(base, '')).toThrow(RangeError);
    expect(() => planScenario(base, 'x'.repeat(53))).toThrow(RangeError);
    expect(() => planScenario(base, 'x'.repeat(52))).not.toThrow();
  });
});

describe('planner - users and devices', () => {
  it('devices per user follow the weights', () => {
    const counts = [0, 0, 0, 0];
    for (const user of plan.users) counts[user.devices.length]!++;
    expect(counts[1]! / 3000).toBeCloseTo(0.5, 1);
    expect(counts[2]! / 3000).toBeCloseTo(0.3, 1);
    expect(counts[3]! / 3000).toBeCloseTo(0.2, 1);
  });

  it('exactly the push share of devices registers, on both platforms when mixed', () => {
    const devices = plan.users.flatMap((user) => user.devices);
    const pushed = devices.filter((device) => device.push);
    expect(pushed.length).toBe(Math.round(0.3 * devices.length));
    const apns = pushed.filter((device) => device.push === 'apns').length;
    expect(apns / pushed.length).toBeCloseTo(0.5, 1);
    const onlyFcm = planScenario({ ...base, push: { share: 1, platform: 'fcm' } }, 'p');
    expect(onlyFcm.users.every((user) => user.devices.every((device) => device.push === 'fcm'))).toBe(true);
  });

  it('exactly the long-poll share of devices uses long-poll, without reshuffling push or churn', () => {
    const devices = plan.users.flatMap((user) => user.devices);
    expect(devices.some((device) => device.transport)).toBe(false);
    const mixed = planScenario({ ...base, transport: { longPollShare: 0.25 } }, 'run42');
    const mixedDevices = mixed.users.flatMap((user) => user.devices);
    expect(mixedDevices.filter((device) => device.transport === 'longpoll')).toHaveLength(
      Math.round(0.25 * devices.length),
    );
    expect(mixedDevices.map(({ push, offline }) => ({ push, offline }))).toEqual(
      devices.map(({ push, offline }) => ({ push, offline })),
    );
  });

  it('exactly the churn share of devices goes offline once, within steady and offlineFor', () => {
    const devices = plan.users.flatMap((user) => user.devices);
    const churned = devices.filter((device) => device.offline.length > 0);
    expect(churned.length).toBe(Math.round(0.25 * devices.length));
    for (const device of churned) {
      expect(device.offline).toHaveLength(1);
      const { fromMs, toMs } = device.offline[0]!;
      expect(fromMs).toBeGreaterThanOrEqual(10_000);
      expect(toMs).toBeLessThanOrEqual(40_000);
      expect(toMs - fromMs).toBeGreaterThanOrEqual(2000);
      expect(toMs - fromMs).toBeLessThanOrEqual(10_000);
    }
  });
});

describe('planner - rooms', () => {
  it('the 1:1 share of rooms follows directShare', () => {
    const direct = plan.rooms.filter((room) => room.kind === 'direct').length;
    expect(direct / plan.rooms.length).toBeGreaterThan(0.66);
    expect(direct / plan.rooms.length).toBeLessThan(0.74);
  });

  it('every user is in about roomsPerUser rooms', () => {
    const roomsOf = new Map<string, number>();
    for (const room of plan.rooms)
      for (const member of room.members) roomsOf.set(member, (roomsOf.get(member) ?? 0) + 1);
    const counts = plan.users.map((user) => roomsOf.get(user.id) ?? 0);
    const mean = counts.reduce((a, b) => a + b, 0) / counts.length;
    expect(mean).toBeGreaterThan(2.9);
    expect(mean).toBeLessThan(3.1);
    // A balanced deal: nobody is left out, few are far from the mean.
    expect(Math.min(...counts)).toBeGreaterThanOrEqual(1);
    expect(counts.filter((count) => count < 2 || count > 4).length / counts.length).toBeLessThan(0.02);
  });

  it('groups stay within [min, max] and the cap; 1:1 rooms have two members', () => {
    for (const room of plan.rooms) {
      if (room.kind === 'direct') expect(room.members).toHaveLength(2);
      else {
        expect(room.members.length).toBeGreaterThanOrEqual(2);
        expect(room.members.length).toBeLessThanOrEqual(10);
      }
    }
    const groups = plan.rooms.filter((room) => room.kind === 'group');
    // A group short of a random fit may be smaller than min; that is rare.
    expect(groups.filter((room) => room.members.length >= 3).length / groups.length).toBeGreaterThan(0.99);
    expect(groups.some((room) => room.members.length === 10)).toBe(true);
  });

  it('weighted group sizes take only the listed sizes', () => {
    const s = scenario(
      'users: 2000\nmessages: { totalRate: 10 }\nrooms: { directShare: 0, groupSize: { 3: 0.5, 7: 0.3, 20: 0.2 } }\n',
    );
    const p = planScenario(s, 'w');
    const sizes = new Map<number, number>();
    for (const room of p.rooms) sizes.set(room.members.length, (sizes.get(room.members.length) ?? 0) + 1);
    const listed = (sizes.get(3) ?? 0) + (sizes.get(7) ?? 0) + (sizes.get(20) ?? 0);
    expect(listed / p.rooms.length).toBeGreaterThan(0.99);
    expect((sizes.get(3) ?? 0) / p.rooms.length).toBeCloseTo(0.5, 1);
  });

  it('no user twice in a room, no 1:1 pair twice, members are planned users', () => {
    const userIds = new Set(plan.users.map((user) => user.id));
    const pairs = new Set<string>();
    for (const room of plan.rooms) {
      expect(new Set(room.members).size).toBe(room.members.length);
      for (const member of room.members) expect(userIds.has(member)).toBe(true);
      if (room.kind === 'direct') {
        const pair = [...room.members].sort().join('|');
        expect(pairs.has(pair)).toBe(false);
        pairs.add(pair);
      }
    }
  });

  it('a tiny scenario with more 1:1 rooms asked than pairs exist stays unique', () => {
    const s = scenario(
      'users: 3\nmessages: { totalRate: 5 }\nrooms: { directShare: 1, roomsPerUser: 5 }\nphases: { rampUp: 0, steady: 2s, drain: 0 }\n',
    );
    const p = planScenario(s, 't');
    const pairs = p.rooms.map((room) => [...room.members].sort().join('|'));
    expect(new Set(pairs).size).toBe(pairs.length);
    expect(pairs.length).toBe(3);
  });
});

describe('planner - sends', () => {
  const devices = devicesByUser(plan);
  const rooms = new Map(plan.rooms.map((room) => [room.key, room]));

  it('sends are sorted and fall in ramp-up and steady, none in drain', () => {
    for (let i = 1; i < plan.sends.length; i++)
      expect(plan.sends[i]!.atMs).toBeGreaterThanOrEqual(plan.sends[i - 1]!.atMs);
    expect(plan.sends[0]!.atMs).toBeGreaterThanOrEqual(0);
    expect(plan.sends.at(-1)!.atMs).toBeLessThan(40_000);
  });

  it('the count follows the rate, and ramp-up rises linearly', () => {
    // 200/s x (10 s / 2 + 30 s) = 7000 arrivals, less the few whose sender is all offline.
    expect(plan.sends.length).toBeGreaterThan(6700);
    expect(plan.sends.length).toBeLessThan(7250);
    const firstHalf = plan.sends.filter((send) => send.atMs < 5000).length;
    const secondHalf = plan.sends.filter((send) => send.atMs >= 5000 && send.atMs < 10_000).length;
    // A linear ramp puts 1/4 of its 1000 sends in its first half and 3/4 in its second.
    expect(firstHalf).toBeGreaterThan(180);
    expect(firstHalf).toBeLessThan(320);
    expect(secondHalf).toBeGreaterThan(680);
    expect(secondHalf).toBeLessThan(820);
  });

  it('each send comes from a member of the room, on one of its devices, online at that moment', () => {
    for (const send of plan.sends) {
      expect(rooms.get(send.room)!.members).toContain(send.user);
      const device = devices.get(send.user)!.get(send.device);
      expect(device).toBeDefined();
      expect(isOfflineAt(device!.offline, send.atMs)).toBe(false);
      expect(send.bodyChars).toBeGreaterThanOrEqual(5);
      expect(send.bodyChars).toBeLessThanOrEqual(50);
    }
  });

  it('a user whose only device is offline does not send then', () => {
    const s = scenario(
      'users: 40\ndevicesPerUser: 1\nmessages: { totalRate: 400 }\nphases: { rampUp: 0, steady: 10s, drain: 0 }\nchurn: { share: 1, offlineFor: { min: 5s, max: 5s } }\n',
    );
    const p = planScenario(s, 'o');
    const offline = new Map(p.users.map((user) => [user.id, user.devices[0]!.offline[0]!]));
    for (const send of p.sends) {
      const period = offline.get(send.user)!;
      expect(send.atMs < period.fromMs || send.atMs >= period.toMs).toBe(true);
    }
    // Half of the time every device is away, so about half of the 4000 arrivals are skipped.
    expect(p.sends.length).toBeGreaterThan(1700);
    expect(p.sends.length).toBeLessThan(2300);
  });

  it('typing precedes a share of sends by leadMs, from an online device of a member', () => {
    expect(plan.typing.length / plan.sends.length).toBeGreaterThan(0.35);
    expect(plan.typing.length / plan.sends.length).toBeLessThan(0.45);
    const sendKeys = new Set(plan.sends.map((send) => `${send.atMs}/${send.user}/${send.device}/${send.room}`));
    for (let i = 0; i < plan.typing.length; i++) {
      const typing = plan.typing[i]!;
      if (i > 0) expect(typing.atMs).toBeGreaterThanOrEqual(plan.typing[i - 1]!.atMs);
      expect(isOfflineAt(devices.get(typing.user)!.get(typing.device)!.offline, typing.atMs)).toBe(false);
      const matched =
        typing.atMs === 0 ? true : sendKeys.has(`${typing.atMs + 800}/${typing.user}/${typing.device}/${typing.room}`);
      expect(matched).toBe(true);
    }
  });

  it('an idle scenario plans connections and no sends', () => {
    const p = planScenario(scenario('users: 100\nmessages: { totalRate: 0 }\nrooms: { roomsPerUser: 0 }\n'), 'idle');
    expect(p.users).toHaveLength(100);
    expect(p.rooms).toHaveLength(0);
    expect(p.sends).toHaveLength(0);
  });
});

describe('planner - summary and client layout', () => {
  it('planSummary counts rooms by kind and expected deliveries per member device', () => {
    const tiny: SimPlan = {
      runId: 'r',
      seed: 1,
      users: [
        {
          id: 'a',
          devices: [
            { id: 'd1', offline: [] },
            { id: 'd2', push: 'fcm', offline: [{ fromMs: 1, toMs: 2 }] },
          ],
        },
        { id: 'b', devices: [{ id: 'd1', offline: [] }] },
        {
          id: 'c',
          devices: [
            { id: 'd1', offline: [] },
            { id: 'd2', offline: [] },
            { id: 'd3', offline: [] },
          ],
        },
      ],
      rooms: [
        { key: 'r1', kind: 'direct', name: 'direct 1', members: ['a', 'b'] },
        { key: 'r2', kind: 'group', name: 'group 1', members: ['a', 'b', 'c'] },
      ],
      sends: [
        { atMs: 0, user: 'a', device: 'd1', room: 'r1', clientMsgId: 'm1', bodyChars: 5 },
        { atMs: 1, user: 'c', device: 'd3', room: 'r2', clientMsgId: 'm1', bodyChars: 5 },
      ],
      typing: [],
      phases: { rampUpMs: 1, steadyMs: 2, drainMs: 3 },
    };
    expect(planSummary(tiny)).toEqual({
      users: 3,
      devices: 6,
      pushDevices: 1,
      churnedDevices: 1,
      rooms: { direct: 1, group: 1 },
      memberships: 5,
      sends: 2,
      typing: 0,
      expectedDeliveries: 3 + 6,
      expectedRemoteDeliveries: 2 + 5,
      durationMs: 6,
    });
  });

  it('planSummary agrees with the plan', () => {
    const summary = planSummary(plan);
    expect(summary.users).toBe(3000);
    expect(summary.rooms.direct + summary.rooms.group).toBe(plan.rooms.length);
    expect(summary.sends).toBe(plan.sends.length);
    expect(summary.expectedDeliveries).toBeGreaterThan(summary.sends * 2);
  });

  it('client layout defaults to one process per 15,000 devices and one address per 5,000 (under the bind cliff at ~7,000)', () => {
    expect(resolveClientLayout(base, 100)).toEqual({ processes: 1, sourceAddresses: 1 });
    expect(resolveClientLayout(base, 36_000)).toEqual({ processes: 3, sourceAddresses: 18 });
    expect(resolveClientLayout(base, 100_000)).toEqual({ processes: 7, sourceAddresses: 50 });
    expect(100_000 / resolveClientLayout(base, 100_000).sourceAddresses).toBeLessThan(SOURCE_ADDRESS_BIND_CLIFF);
    expect(resolveClientLayout({ clients: { processes: 4, sourceAddresses: 8 } }, 100)).toEqual({
      processes: 4,
      sourceAddresses: 8,
    });
  });
});

describe('planner - scale', () => {
  it('100k users with several devices plan in a few seconds', () => {
    const big = scenario(`
users: 100000
devicesPerUser: { 1: 0.5, 2: 0.35, 3: 0.15 }
rooms: { directShare: 0.8, roomsPerUser: 4, groupSize: { min: 3, max: 20 } }
messages: { ratePerUser: 0.02 }
churn: { share: 0.1, offlineFor: { min: 5s, max: 30s } }
typing: { share: 0.3 }
push: { share: 0.5 }
`);
    const started = performance.now();
    const p = planScenario(big, 'big');
    const elapsed = performance.now() - started;
    expect(p.users).toHaveLength(100_000);
    expect(p.sends.length).toBeGreaterThan(120_000);
    expect(elapsed).toBeLessThan(5000);
  });
});
