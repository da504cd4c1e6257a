import type { PlannedSend, SimPlan } from '../sim-types.js';
import type { Lookup } from './oracle-types.js';

/** One plan room that the runner created, under its real id. */
export interface IndexedRoom {
  id: string;
  key: string;
  /** Fixed for the whole run: a plan's rooms never change members. */
  members: ReadonlySet<string>;
}

/** The key of a device in the runner's per-device maps: `user/device`. */
export function deviceKey(user: string, device: string): string {
  return `${user}/${device}`;
}

export function lookup<V>(table: Lookup<V> | undefined, key: string): V | undefined {
  if (!table) return undefined;
  if (table instanceof Map) return (table as ReadonlyMap<string, V>).get(key);
  const record = table as Readonly<Record<string, V>>;
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

function entries<V>(table: Lookup<V>): Iterable<[string, V]> {
  return table instanceof Map ? table : Object.entries(table as Readonly<Record<string, V>>);
}

/** The plan, indexed the ways the oracle asks it: rooms by real id, rooms of a user, sends by sender. */
export class RunIndex {
  /** Real room id -> room. */
  readonly rooms = new Map<string, IndexedRoom>();
  private readonly roomsByUser = new Map<string, IndexedRoom[]>();
  private readonly devicesByUser = new Map<string, readonly string[]>();
  /** Sender -> clientMsgId -> planned send. */
  private readonly sendsByUser = new Map<string, Map<string, PlannedSend>>();
  readonly plannedRooms: number;
  readonly plannedSends: number;
  readonly plannedDevices: number;

  constructor(plan: SimPlan, roomIds: Lookup<string>) {
    const keyed = new Map(plan.rooms.map((room) => [room.key, room]));
    for (const [key, id] of entries(roomIds)) {
      const planned = keyed.get(key);
      if (!planned) continue;
      const room: IndexedRoom = { id, key, members: new Set(planned.members) };
      this.rooms.set(id, room);
      for (const member of room.members) {
        const list = this.roomsByUser.get(member);
        if (list) list.push(room);
        else this.roomsByUser.set(member, [room]);
      }
    }
    let devices = 0;
    for (const user of plan.users) {
      this.devicesByUser.set(
        user.id,
        user.devices.map((device) => device.id),
      );
      devices += user.devices.length;
    }
    let sends = 0;
    for (const send of plan.sends) {
      let mine = this.sendsByUser.get(send.user);
      if (!mine) this.sendsByUser.set(send.user, (mine = new Map<string, PlannedSend>()));
      if (!mine.has(send.clientMsgId)) sends++;
      mine.set(send.clientMsgId, send);
    }
    this.plannedRooms = plan.rooms.length;
    this.plannedSends = sends;
    this.plannedDevices = devices;
  }

  /** The created plan rooms `user` is a member of. */
  roomsOf(user: string): readonly IndexedRoom[] {
    return this.roomsByUser.get(user) ?? [];
  }

  /** The planned device ids of `user` (none for a user outside the plan). */
  devicesOf(user: string): readonly string[] {
    return this.devicesByUser.get(user) ?? [];
  }

  users(): IterableIterator<string> {
    return this.devicesByUser.keys();
  }

  isPlannedDevice(user: string, device: string): boolean {
    return this.devicesOf(user).includes(device);
  }

  plannedSend(user: string, clientMsgId: string): PlannedSend | undefined {
    return this.sendsByUser.get(user)?.get(clientMsgId);
  }

  roomKey(id: string): string | undefined {
    return this.rooms.get(id)?.key;
  }
}
