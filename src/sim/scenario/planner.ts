import { ID_PATTERN } from '../../core/protocol/ids.js';
import type { PlannedDevice, PlannedUser, SimPlan } from '../sim-types.js';
import { sampleDistribution } from './distribution.js';
import { drawRooms } from './room-planner.js';
import type { Scenario } from './scenario.js';
import { scheduleSends, type DeviceTimeline } from './send-scheduler.js';
import { SeededRandom } from './seeded-random.js';

/** Longest run id: leaves room for the longest suffix the plan appends (`-r` and ten digits). */
export const MAX_RUN_ID_LENGTH = 52;

/**
 * Turns a scenario into the plan of one run: a pure function of (scenario, runId), so every
 * load generator process rebuilds the same plan from the same file. Ids are prefixed with
 * the run id (`<runId>-u17`, rooms `<runId>-r5`; devices are `d1`.. within their user, and
 * clientMsgIds `m1`.. within theirs), so runs against one cluster never collide.
 *
 * Each concern draws from its own seeded stream (devices, push, churn, rooms, sends, typing),
 * so changing one knob does not reshuffle the others.
 */
export function planScenario(scenario: Scenario, runId: string): SimPlan {
  if (!ID_PATTERN.test(runId) || runId.length > MAX_RUN_ID_LENGTH) {
    throw new RangeError(`runId must match ^[A-Za-z0-9_-]{1,${MAX_RUN_ID_LENGTH}}$, got ${JSON.stringify(runId)}`);
  }
  const { seed } = scenario;
  const { users, timeline } = planUsers(scenario, runId);
  const drawn = drawRooms(
    scenario.rooms,
    users.map((user) => user.id),
    runId,
    new SeededRandom(seed, 'rooms'),
  );
  const { sends, typing } = scheduleSends(scenario, users, timeline, drawn);
  return { runId, seed, users, rooms: drawn.rooms, sends, typing, phases: { ...scenario.phases } };
}

/** Users, their devices, push registrations and the churned devices' offline periods. */
function planUsers(scenario: Scenario, runId: string): { users: PlannedUser[]; timeline: DeviceTimeline } {
  const { seed } = scenario;
  const deviceRandom = new SeededRandom(seed, 'devices');
  const counts = new Int32Array(scenario.users);
  const deviceStart = new Int32Array(scenario.users + 1);
  for (let u = 0; u < scenario.users; u++) {
    counts[u] = sampleDistribution(scenario.devicesPerUser, deviceRandom);
    deviceStart[u + 1] = deviceStart[u]! + counts[u]!;
  }
  const deviceCount = deviceStart[scenario.users]!;

  const pushRandom = new SeededRandom(seed, 'push');
  const pushMask = pushRandom.pickMask(Math.round(scenario.push.share * deviceCount), deviceCount);
  const transportMask = new SeededRandom(seed, 'transport').pickMask(
    Math.round(scenario.transport.longPollShare * deviceCount),
    deviceCount,
  );
  const churnRandom = new SeededRandom(seed, 'churn');
  const churnMask = churnRandom.pickMask(Math.round(scenario.churn.share * deviceCount), deviceCount);
  const offlineFrom = new Float64Array(deviceCount).fill(-1);
  const offlineTo = new Float64Array(deviceCount).fill(-1);
  const { rampUpMs, steadyMs } = scenario.phases;
  const { min: minOffline, max: maxOffline } = scenario.churn.offlineForMs;

  const users = new Array<PlannedUser>(scenario.users);
  for (let u = 0; u < scenario.users; u++) {
    const devices = new Array<PlannedDevice>(counts[u]!);
    for (let k = 0; k < counts[u]!; k++) {
      const g = deviceStart[u]! + k;
      const device: PlannedDevice = { id: `d${k + 1}`, offline: [] };
      if (pushMask[g]) {
        const platform = scenario.push.platform;
        device.push = platform === 'mixed' ? (pushRandom.chance(0.5) ? 'apns' : 'fcm') : platform;
      }
      if (transportMask[g]) device.transport = 'longpoll';
      if (churnMask[g]) {
        // One offline period per churned device, wholly inside steady.
        const length = Math.min(steadyMs, churnRandom.int(minOffline, maxOffline));
        const fromMs = rampUpMs + (scenario.churn.atMs ?? churnRandom.int(0, steadyMs - length));
        offlineFrom[g] = fromMs;
        offlineTo[g] = fromMs + length;
        device.offline.push({ fromMs, toMs: fromMs + length });
      }
      devices[k] = device;
    }
    users[u] = { id: `${runId}-u${u + 1}`, devices };
  }
  return { users, timeline: { deviceStart, offlineFrom, offlineTo } };
}

/** Counts of a plan for the runner's report. */
export interface PlanSummary {
  users: number;
  devices: number;
  /** Devices that register a push token. */
  pushDevices: number;
  /** Devices with at least one offline period. */
  churnedDevices: number;
  rooms: { direct: number; group: number };
  /** Sum of room sizes. */
  memberships: number;
  sends: number;
  typing: number;
  /**
   * Sum over sends of the devices of every member of the room, the sending device included
   * (the client library shows a device its own message when the ack arrives).
   */
  expectedDeliveries: number;
  /** The same without the sending device: what must arrive over the wire. */
  expectedRemoteDeliveries: number;
  /** rampUp + steady + drain. */
  durationMs: number;
}

export function planSummary(plan: SimPlan): PlanSummary {
  const devicesOf = new Map<string, number>();
  let devices = 0;
  let pushDevices = 0;
  let churnedDevices = 0;
  for (const user of plan.users) {
    devicesOf.set(user.id, user.devices.length);
    devices += user.devices.length;
    for (const device of user.devices) {
      if (device.push) pushDevices++;
      if (device.offline.length > 0) churnedDevices++;
    }
  }
  const roomDevices = new Map<string, number>();
  let direct = 0;
  let memberships = 0;
  for (const room of plan.rooms) {
    if (room.kind === 'direct') direct++;
    memberships += room.members.length;
    let total = 0;
    for (const member of room.members) total += devicesOf.get(member) ?? 0;
    roomDevices.set(room.key, total);
  }
  let expectedDeliveries = 0;
  for (const send of plan.sends) expectedDeliveries += roomDevices.get(send.room) ?? 0;
  return {
    users: plan.users.length,
    devices,
    pushDevices,
    churnedDevices,
    rooms: { direct, group: plan.rooms.length - direct },
    memberships,
    sends: plan.sends.length,
    typing: plan.typing.length,
    expectedDeliveries,
    expectedRemoteDeliveries: expectedDeliveries - plan.sends.length,
    durationMs: plan.phases.rampUpMs + plan.phases.steadyMs + plan.phases.drainMs,
  };
}
