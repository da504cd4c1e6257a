import { describe, expect, it } from 'vitest';
import { checkRun } from '../../../src/sim/oracle/index.js';
import type {
  AckRecord,
  DeviceLog,
  PlannedRoom,
  PlannedSend,
  PlannedUser,
  SimPlan,
} from '../../../src/sim/sim-types.js';

/**
 * A flawless run of `messages` sends over `rooms` group rooms of 20 members with 2 devices
 * each: 40 deliveries per message. Built directly (no searching), so that only the oracle's
 * own cost is large.
 */
function bigRun(rooms: number, messages: number) {
  const members = 20;
  const users: PlannedUser[] = Array.from({ length: (rooms * members) / 2 }, (_, i) => ({
    id: `u${i}`,
    devices: [
      { id: 'a', offline: [] },
      { id: 'b', offline: [] },
    ],
  }));
  const planned: PlannedRoom[] = Array.from({ length: rooms }, (_, r) => ({
    key: `k${r}`,
    kind: 'group',
    name: `room ${r}`,
    // Rooms overlap by half, so that each user is in two rooms.
    members: Array.from({ length: members }, (_, m) => `u${((r * members) / 2 + m) % users.length}`),
  }));
  const logs = new Map<string, DeviceLog>();
  for (const user of users)
    for (const device of user.devices)
      logs.set(`${user.id}/${device.id}`, { user: user.id, device: device.id, deliveries: [], readSeq: {}, rooms: {} });
  const sends: PlannedSend[] = [];
  const acks: AckRecord[] = [];
  const lastSeq = new Array<number>(rooms).fill(0);
  for (let i = 0; i < messages; i++) {
    const r = i % rooms;
    const room = planned[r]!;
    const user = room.members[i % members]!;
    const seq = ++lastSeq[r]!;
    sends.push({ atMs: i, user, device: 'a', room: room.key, clientMsgId: `c${i}`, bodyChars: 10 });
    acks.push({
      user,
      device: 'a',
      room: `R${r}`,
      clientMsgId: `c${i}`,
      seq,
      msgId: `m${i}`,
      sentAt: i,
      ackedAt: i + 5,
    });
    for (const member of room.members) {
      for (const device of ['a', 'b'])
        logs
          .get(`${member}/${device}`)!
          .deliveries.push({ room: `R${r}`, seq, clientMsgId: `c${i}`, sender: user, at: i + 10 });
    }
  }
  const plan: SimPlan = {
    runId: 'big',
    seed: 1,
    users,
    rooms: planned,
    sends,
    typing: [],
    phases: { rampUpMs: 0, steadyMs: messages, drainMs: 0 },
  };
  return {
    plan,
    roomIds: Object.fromEntries(planned.map((room, r) => [room.key, `R${r}`])),
    acks,
    logs: [...logs.values()],
    windows: Object.fromEntries([...logs.keys()].map((key) => [key, [{ from: -1000, to: null }]])),
    endedAt: messages + 1000,
    allSynced: true,
  };
}

describe('oracle at scale', () => {
  it('400k deliveries: a clean run passes and one injected loss is found', () => {
    const input = bigRun(100, 10_000);
    expect(checkRun(input)).toMatchObject({
      ok: true,
      expectedDeliveries: 400_000,
      observedDeliveries: 400_000,
      messages: 10_000,
    });
    const victim = input.logs[123]!;
    const lost = victim.deliveries.splice(37, 1)[0]!;
    const report = checkRun(input);
    expect(report.violationCounts.missing).toBe(1);
    expect(report.violations[0]).toMatchObject({
      room: lost.room,
      seq: lost.seq,
      user: victim.user,
      device: victim.device,
    });
  });
});
