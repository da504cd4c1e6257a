import type { DeviceLog } from '../sim-types.js';
import type { Violations } from './message-table.js';
import type { RunIndex } from './run-index.js';

/**
 * The devices of one user end with the same read position in every room: a read moves the
 * user's position, and every device of the user is told. A room one device knows and another
 * does not counts as read up to 0 there. `compared` picks the devices whose state is final
 * (all of them in a run that ended synced).
 */
export function checkReadState(
  logs: readonly DeviceLog[],
  compared: (log: DeviceLog) => boolean,
  index: RunIndex,
  violations: Violations,
): void {
  const byUser = new Map<string, DeviceLog[]>();
  for (const log of logs) {
    if (!compared(log)) continue;
    const list = byUser.get(log.user);
    if (list) list.push(log);
    else byUser.set(log.user, [log]);
  }
  for (const [user, devices] of byUser) {
    if (devices.length < 2) continue;
    const rooms = new Set<string>();
    for (const log of devices) for (const room of Object.keys(log.readSeq)) rooms.add(room);
    for (const room of rooms) {
      const first = devices[0]!.readSeq[room] ?? 0;
      if (devices.every((log) => (log.readSeq[room] ?? 0) === first)) continue;
      const roomKey = index.roomKey(room);
      violations.add({
        kind: 'read-diverged',
        room,
        ...(roomKey === undefined ? {} : { roomKey }),
        user,
        // A device that does not know the room at all (never told of it) says so: that is not a lost read.
        detail: `read positions of ${user} in ${roomKey === undefined ? room : `room ${roomKey}`}: ${devices.map((log) => `${log.device}=${room in log.rooms ? (log.readSeq[room] ?? 0) : 'room unknown'}`).join(', ')}`,
      });
    }
  }
}
