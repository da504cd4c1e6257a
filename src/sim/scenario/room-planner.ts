import type { PlannedRoom } from '../sim-types.js';
import { sampleDistribution } from './distribution.js';
import type { Scenario } from './scenario.js';
import type { SeededRandom } from './seeded-random.js';

/**
 * Rooms of a plan, with memberships both ways as flat index arrays (compressed rows), so a
 * plan of 100k users keeps a few typed arrays instead of a Set per user.
 */
export interface DrawnRooms {
  rooms: PlannedRoom[];
  /** Members of room r, as user indexes: roomMembers[roomStart[r] .. roomStart[r + 1]). */
  roomStart: Int32Array;
  roomMembers: Int32Array;
  /** Rooms of user u, as room indexes: userRooms[userStart[u] .. userStart[u + 1]). */
  userStart: Int32Array;
  userRooms: Int32Array;
}

/** How far ahead in the shuffled slots to look for a user who fits the room being filled. */
const LOOKAHEAD = 64;
/** Random users tried when the slots have none that fits (or have run out). */
const RANDOM_TRIES = 32;

/**
 * Draws the rooms. Every user gets floor(roomsPerUser) membership slots, plus one more with
 * probability frac(roomsPerUser), so everyone is in about roomsPerUser rooms (a balanced
 * deal, not a Poisson draw that would leave some users alone). The slots are shuffled and
 * dealt out in order: each room is 1:1 with probability directShare (2 members), otherwise
 * a group of a size drawn from groupSize (at most cap and users). A slot that would repeat a
 * member in a room, or a 1:1 pair that already exists, is swapped with a later slot that fits;
 * only when none fits is a random user drawn, and a 1:1 room that cannot be made unique is
 * dropped. The first member creates the room.
 */
export function drawRooms(
  config: Scenario['rooms'],
  userIds: readonly string[],
  runId: string,
  random: SeededRandom,
): DrawnRooms {
  const userCount = userIds.length;
  const whole = Math.floor(config.roomsPerUser);
  const fraction = config.roomsPerUser - whole;
  const slotList: number[] = [];
  for (let u = 0; u < userCount; u++) {
    const count = whole + (random.chance(fraction) ? 1 : 0);
    for (let k = 0; k < count; k++) slotList.push(u);
  }
  const slots = random.shuffle(Int32Array.from(slotList));
  const maxGroup = Math.min(config.cap, userCount);

  const rooms: PlannedRoom[] = [];
  const roomStart: number[] = [0];
  const roomMembers: number[] = [];
  const directPairs = new Set<number>();
  // mark[u] === stamp: u is already in the room being filled.
  const mark = new Uint32Array(userCount);
  let stamp = 0;
  let next = 0;
  let directCount = 0;
  let groupCount = 0;
  const members: number[] = [];

  const fits = (user: number, direct: boolean): boolean => {
    if (mark[user] === stamp) return false;
    return !(direct && members.length === 1 && directPairs.has(pairKey(members[0]!, user, userCount)));
  };
  const take = (direct: boolean): number => {
    if (next < slots.length) {
      const end = Math.min(slots.length, next + LOOKAHEAD);
      for (let q = next; q < end; q++) {
        if (fits(slots[q]!, direct)) {
          const user = slots[q]!;
          slots[q] = slots[next]!;
          slots[next] = user;
          next++;
          return user;
        }
      }
    }
    for (let attempt = 0; attempt < RANDOM_TRIES; attempt++) {
      const user = random.index(userCount);
      if (fits(user, direct)) return user;
    }
    return -1;
  };

  while (next < slots.length) {
    const direct = random.chance(config.directShare);
    const size = direct ? 2 : Math.max(2, Math.min(maxGroup, sampleDistribution(config.groupSize, random)));
    stamp++;
    members.length = 0;
    while (members.length < size) {
      const user = take(direct);
      if (user < 0) break;
      mark[user] = stamp;
      members.push(user);
    }
    // A group short of a few random fits is still a group; a 1:1 room needs its pair.
    if (members.length < 2) continue;
    if (direct) directPairs.add(pairKey(members[0]!, members[1]!, userCount));
    const index = rooms.length;
    const key = `${runId}-r${index + 1}`;
    const name = direct ? `direct ${++directCount}` : `group ${++groupCount}`;
    rooms.push({ key, kind: direct ? 'direct' : 'group', name, members: members.map((user) => userIds[user]!) });
    for (const user of members) roomMembers.push(user);
    roomStart.push(roomMembers.length);
  }

  return {
    rooms,
    roomStart: Int32Array.from(roomStart),
    roomMembers: Int32Array.from(roomMembers),
    ...invert(rooms.length, roomStart, roomMembers, userCount),
  };
}

function pairKey(a: number, b: number, userCount: number): number {
  return a < b ? a * userCount + b : b * userCount + a;
}

function invert(
  roomCount: number,
  roomStart: number[],
  roomMembers: number[],
  userCount: number,
): { userStart: Int32Array; userRooms: Int32Array } {
  const userStart = new Int32Array(userCount + 1);
  for (const user of roomMembers) userStart[user + 1]!++;
  for (let u = 0; u < userCount; u++) userStart[u + 1]! += userStart[u]!;
  const fill = userStart.slice(0, userCount);
  const userRooms = new Int32Array(roomMembers.length);
  for (let r = 0; r < roomCount; r++) {
    for (let i = roomStart[r]!; i < roomStart[r + 1]!; i++) {
      const user = roomMembers[i]!;
      userRooms[fill[user]!++] = r;
    }
  }
  return { userStart, userRooms };
}
