import type { ConnectionWindow, OracleInput } from '../../../src/sim/oracle/index.js';
import type { AckRecord, Delivery, DeviceLog, PlannedSend, SimPlan } from '../../../src/sim/sim-types.js';

/** Run start (ms, epoch) of every synthetic run. */
export const T0 = 1_700_000_000_000;

/**
 * A small plan: alice (laptop, phone), bob (phone), carol (laptop), dave (tablet, in no
 * room with the others). Rooms: dm (alice, bob), group (alice, bob, carol), solo (dave).
 * Sends alternate between dm and group, one a second.
 */
export function smallPlan(sendsPerRoom = 5): SimPlan {
  const sends: PlannedSend[] = [];
  const senders: Record<string, Array<[string, string]>> = {
    dm: [
      ['alice', 'laptop'],
      ['bob', 'phone'],
      ['alice', 'phone'],
    ],
    group: [
      ['carol', 'laptop'],
      ['alice', 'laptop'],
      ['bob', 'phone'],
    ],
  };
  const counters = new Map<string, number>();
  for (let i = 0; i < sendsPerRoom; i++) {
    for (const room of ['dm', 'group']) {
      const [user, device] = senders[room]![i % 3]!;
      const n = (counters.get(user) ?? 0) + 1;
      counters.set(user, n);
      sends.push({ atMs: sends.length * 1000, user, device, room, clientMsgId: `${user}-m${n}`, bodyChars: 20 });
    }
  }
  return {
    runId: 'r1',
    seed: 1,
    users: [
      {
        id: 'alice',
        devices: [
          { id: 'laptop', offline: [] },
          { id: 'phone', offline: [] },
        ],
      },
      { id: 'bob', devices: [{ id: 'phone', offline: [] }] },
      { id: 'carol', devices: [{ id: 'laptop', offline: [] }] },
      { id: 'dave', devices: [{ id: 'tablet', offline: [] }] },
    ],
    rooms: [
      { key: 'dm', kind: 'direct', name: 'dm', members: ['alice', 'bob'] },
      { key: 'group', kind: 'group', name: 'group', members: ['alice', 'bob', 'carol'] },
      { key: 'solo', kind: 'group', name: 'solo', members: ['dave'] },
    ],
    sends,
    typing: [],
    phases: { rampUpMs: 0, steadyMs: sends.length * 1000, drainMs: 5000 },
  };
}

/** An OracleInput whose parts a test may change in place. */
export interface SyntheticRun extends OracleInput {
  roomIds: Record<string, string>;
  acks: AckRecord[];
  logs: DeviceLog[];
  windows: Record<string, ConnectionWindow[]>;
}

/** The real id the "server" gave a plan room. */
export function realId(key: string): string {
  return `g_${key}`;
}

/**
 * What a flawless run of `plan` produces: every send acked 5 ms after its time with the
 * room's next seq (each device's sends from its one client, in plan order), every member device (the sender's included, as the client shows its own
 * message from the ack) shows every message of its rooms in seq order 10 ms after the ack,
 * everyone has read everything, every device connected throughout.
 */
export function flawlessRun(plan: SimPlan = smallPlan()): SyntheticRun {
  const roomIds: Record<string, string> = Object.fromEntries(plan.rooms.map((room) => [room.key, realId(room.key)]));
  const lastSeq = new Map<string, number>();
  const acks: AckRecord[] = [];
  const logs = new Map<string, DeviceLog>();
  for (const user of plan.users) {
    for (const device of user.devices)
      logs.set(`${user.id}/${device.id}`, { user: user.id, device: device.id, deliveries: [], readSeq: {}, rooms: {} });
  }
  const sendsOf = new Map<string, number>();
  for (const send of plan.sends) {
    const room = realId(send.room);
    const seq = (lastSeq.get(room) ?? 0) + 1;
    lastSeq.set(room, seq);
    const sentAt = T0 + send.atMs;
    const order = sendsOf.get(`${send.user}/${send.device}`) ?? 0;
    sendsOf.set(`${send.user}/${send.device}`, order + 1);
    acks.push({
      user: send.user,
      device: send.device,
      room,
      clientMsgId: send.clientMsgId,
      seq,
      msgId: `id-${room}-${seq}`,
      sentAt,
      ackedAt: sentAt + 5,
      client: 1,
      order,
    });
    for (const member of plan.rooms.find((r) => r.key === send.room)!.members) {
      for (const device of plan.users.find((u) => u.id === member)!.devices) {
        const delivery: Delivery = { room, seq, clientMsgId: send.clientMsgId, sender: send.user, at: sentAt + 15 };
        logs.get(`${member}/${device.id}`)!.deliveries.push(delivery);
      }
    }
  }
  for (const room of plan.rooms) {
    const id = realId(room.key);
    for (const member of room.members) {
      for (const device of plan.users.find((u) => u.id === member)!.devices) {
        const log = logs.get(`${member}/${device.id}`)!;
        log.rooms[id] = lastSeq.get(id) ?? 0;
        log.readSeq[id] = lastSeq.get(id) ?? 0;
      }
    }
  }
  const windows: Record<string, ConnectionWindow[]> = Object.fromEntries(
    [...logs.keys()].map((key) => [key, [{ from: T0 - 1000, to: null }]]),
  );
  const endedAt = T0 + plan.phases.rampUpMs + plan.phases.steadyMs + plan.phases.drainMs;
  return { plan, roomIds, acks, logs: [...logs.values()], windows, endedAt, allSynced: true };
}

export function logOf(input: SyntheticRun, user: string, device: string): DeviceLog {
  const log = input.logs.find((l) => l.user === user && l.device === device);
  if (!log) throw new Error(`no log of ${user}/${device}`);
  return log;
}

export function windowsOf(input: SyntheticRun, user: string, device: string): ConnectionWindow[] {
  return input.windows[`${user}/${device}`]!;
}

/** Removes the (room, seq) deliveries of one device; returns how many it removed. */
export function dropDelivery(log: DeviceLog, roomKey: string, seq: number): number {
  const before = log.deliveries.length;
  log.deliveries = log.deliveries.filter((d) => !(d.room === realId(roomKey) && d.seq === seq));
  return before - log.deliveries.length;
}

/**
 * Swaps the messages at two seqs of a room everywhere (acks and deliveries): the run stays
 * whole and in room order, only the two sends are numbered the other way round.
 */
export function swapSeqs(input: SyntheticRun, roomKey: string, a: number, b: number): void {
  const room = realId(roomKey);
  const swap = (seq: number): number => (seq === a ? b : seq === b ? a : seq);
  for (const ack of input.acks) if (ack.room === room) ack.seq = swap(ack.seq);
  for (const log of input.logs) {
    const atA = log.deliveries.findIndex((d) => d.room === room && d.seq === a);
    const atB = log.deliveries.findIndex((d) => d.room === room && d.seq === b);
    if (atA < 0 || atB < 0) continue;
    const [da, db] = [log.deliveries[atA]!, log.deliveries[atB]!];
    log.deliveries[atA] = { ...db, seq: a };
    log.deliveries[atB] = { ...da, seq: b };
  }
}
