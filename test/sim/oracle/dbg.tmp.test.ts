import { it } from 'vitest';
import { checkRun } from '../../../src/sim/oracle/index.js';
import type { AckRecord, DeviceLog, PlannedRoom, PlannedSend, PlannedUser, SimPlan } from '../../../src/sim/sim-types.js';
it('dbg', () => {
  const rooms = 500, members = 20, messages = 250_000;
  const users: PlannedUser[] = Array.from({ length: (rooms * members) / 2 }, (_, i) => ({ id: `u${i}`, devices: [{ id: 'a', offline: [] }, { id: 'b', offline: [] }] }));
  const planned: PlannedRoom[] = Array.from({ length: rooms }, (_, r) => ({ key: `k${r}`, kind: 'group', name: `room ${r}`, members: Array.from({ length: members }, (_, m) => `u${((r * members) / 2 + m) % users.length}`) }));
  const logs = new Map<string, DeviceLog>();
  for (const user of users) for (const device of user.devices) logs.set(`${user.id}/${device.id}`, { user: user.id, device: device.id, deliveries: [], readSeq: {}, rooms: {} });
  const sends: PlannedSend[] = []; const acks: AckRecord[] = []; const lastSeq = new Array<number>(rooms).fill(0);
  for (let i = 0; i < messages; i++) {
    const r = i % rooms; const room = planned[r]!; const user = room.members[i % members]!; const seq = ++lastSeq[r]!;
    sends.push({ atMs: i, user, device: 'a', room: room.key, clientMsgId: `c${i}`, bodyChars: 10 });
    acks.push({ user, device: 'a', room: `R${r}`, clientMsgId: `c${i}`, seq, msgId: `m${i}`, sentAt: i, ackedAt: i + 5 });
    for (const member of room.members) for (const device of ['a', 'b']) logs.get(`${member}/${device}`)!.deliveries.push({ room: `R${r}`, seq, clientMsgId: `c${i}`, sender: user, at: i + 10 });
  }
  const all = [...logs.values()];
  const removed = all[5]!.deliveries.splice(100, 1000);
  console.log(all[5]!.user, all[5]!.device, removed.filter(d => d.sender === all[5]!.user).length);
  const plan: SimPlan = { runId: 'big', seed: 1, users, rooms: planned, sends, typing: [], phases: { rampUpMs: 0, steadyMs: messages, drainMs: 0 } };
  const report = checkRun({ plan, roomIds: Object.fromEntries(planned.map((room, r) => [room.key, `R${r}`])), acks, logs: all, windows: {}, endedAt: messages + 1000, allSynced: true });
  console.log(report.violationCounts, report.warningCounts, report.expectedDeliveries - report.observedDeliveries);
}, 600_000);
