import type { PlannedSend, PlannedTyping, PlannedUser } from '../sim-types.js';
import type { DrawnRooms } from './room-planner.js';
import type { Scenario } from './scenario.js';
import { SeededRandom } from './seeded-random.js';

/** Where each user's devices sit in the flat device arrays, and when each device is offline. */
export interface DeviceTimeline {
  /** Devices of user u: global device indexes deviceStart[u] .. deviceStart[u + 1] - 1. */
  deviceStart: Int32Array;
  /** The device's one offline period [from, to) in ms from the start, or -1 when it never goes offline. */
  offlineFrom: Float64Array;
  offlineTo: Float64Array;
}

export function isOnline(timeline: DeviceTimeline, device: number, atMs: number): boolean {
  const from = timeline.offlineFrom[device]!;
  return from < 0 || atMs < from || atMs >= timeline.offlineTo[device]!;
}

/**
 * The open-loop send schedule: a Poisson process whose rate rises linearly from 0 to
 * totalRate over ramp-up and stays at totalRate through steady; nothing is sent in drain.
 * Arrival k is at Λ⁻¹(E1 + ... + Ek) with Ek unit exponentials and Λ the integrated rate.
 *
 * Each arrival picks a sender uniformly among users who are in a room, one of the sender's
 * rooms uniformly, and one of the sender's devices that is online at that moment uniformly;
 * when all the sender's devices are offline the send is skipped (never queued). Times are
 * whole milliseconds. Every arrival takes the same draws from the stream whatever churn
 * says, so changing churn moves only the device choices, not the times, senders or rooms.
 *
 * A typing event `leadMs` before the send (not before 0), on the same device and room,
 * precedes a `typing.share` of the sends, when that device is online at that moment too.
 */
export function scheduleSends(
  scenario: Scenario,
  users: readonly PlannedUser[],
  timeline: DeviceTimeline,
  drawn: DrawnRooms,
): { sends: PlannedSend[]; typing: PlannedTyping[] } {
  const sends: PlannedSend[] = [];
  const typing: PlannedTyping[] = [];
  const ratePerMs = scenario.messages.totalRate / 1000;
  const { rampUpMs, steadyMs } = scenario.phases;
  const endMs = rampUpMs + steadyMs;
  const senders: number[] = [];
  for (let u = 0; u < users.length; u++) if (drawn.userStart[u + 1]! > drawn.userStart[u]!) senders.push(u);
  if (ratePerMs <= 0 || endMs <= 0 || senders.length === 0) return { sends, typing };

  const random = new SeededRandom(scenario.seed, 'sends');
  const typingRandom = new SeededRandom(scenario.seed, 'typing');
  const { min: minChars, max: maxChars } = scenario.messages.bodyChars;
  const { share: typingShare, leadMs } = scenario.typing;
  const sentBy = new Int32Array(users.length);
  // Integrated rate (expected messages) at the end of ramp-up.
  const rampArrivals = (ratePerMs * rampUpMs) / 2;
  let arrivals = 0;
  for (;;) {
    arrivals += random.exponential();
    const t =
      arrivals < rampArrivals
        ? Math.sqrt((2 * rampUpMs * arrivals) / ratePerMs)
        : rampUpMs + (arrivals - rampArrivals) / ratePerMs;
    if (t >= endMs) break;
    const atMs = Math.floor(t);
    const user = senders[random.index(senders.length)]!;
    const roomIndex =
      drawn.userRooms[drawn.userStart[user]! + random.index(drawn.userStart[user + 1]! - drawn.userStart[user]!)]!;
    const deviceDraw = random.next();
    const bodyChars = random.int(minChars, maxChars);
    const withTyping = typingRandom.chance(typingShare);

    const device = pickOnlineDevice(timeline, user, atMs, deviceDraw);
    if (device < 0) continue;
    const plannedUser = users[user]!;
    const deviceId = plannedUser.devices[device - timeline.deviceStart[user]!]!.id;
    const room = drawn.rooms[roomIndex]!.key;
    sentBy[user]!++;
    sends.push({ atMs, user: plannedUser.id, device: deviceId, room, clientMsgId: `m${sentBy[user]}`, bodyChars });
    if (withTyping) {
      const typingAt = Math.max(0, atMs - leadMs);
      if (isOnline(timeline, device, typingAt))
        typing.push({ atMs: typingAt, user: plannedUser.id, device: deviceId, room });
    }
  }
  return { sends, typing };
}

/** A uniformly chosen device of the user online at atMs (global index), or -1 when none is. */
function pickOnlineDevice(timeline: DeviceTimeline, user: number, atMs: number, draw: number): number {
  const first = timeline.deviceStart[user]!;
  const end = timeline.deviceStart[user + 1]!;
  let online = 0;
  for (let g = first; g < end; g++) if (isOnline(timeline, g, atMs)) online++;
  if (online === 0) return -1;
  let pick = Math.floor(draw * online);
  for (let g = first; g < end; g++) {
    if (!isOnline(timeline, g, atMs)) continue;
    if (pick === 0) return g;
    pick--;
  }
  return -1;
}
