import {
  presenceContacts,
  type PresenceViewRecord,
  type PushRegistrationRecord,
  type TypingViewRecord,
} from '../oracle/index.js';
import type { SimPlan } from '../sim-types.js';

/** The cluster's default CHAT_PRESENCE_FANOUT_MAX: members of larger rooms are not told of changes. */
export const PRESENCE_FANOUT_MAX = 100;

/** What a load process saw for the push, presence and typing checks (src/sim/oracle). */
export interface WorkerCheckOutput {
  /** Registered push tokens, by `user/device`. */
  push: Record<string, PushRegistrationRecord>;
  /** Each device's presence view once every device was back online (before any process let go of its devices). */
  presence: PresenceViewRecord[];
  /** Each device's typing indicators at the very end. */
  typing: TypingViewRecord[];
}

/** Each user's co-members in rooms of at most `fanoutMax` members: whose presence a device shows and follows. */
export function contactsOf(plan: SimPlan, fanoutMax = PRESENCE_FANOUT_MAX): Map<string, string[]> {
  return new Map([...presenceContacts(plan, fanoutMax)].map(([user, set]) => [user, [...set]]));
}

/** Polls until every online device shows all its contacts online, or `timeoutMs` passes; returns how long it waited. */
export async function awaitPresenceConvergence(
  devices: ReadonlyArray<{ online: boolean; presenceConverged(): boolean }>,
  timeoutMs: number,
): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < timeoutMs && !devices.every((device) => !device.online || device.presenceConverged())) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return Date.now() - start;
}
