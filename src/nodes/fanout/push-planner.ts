import type { Message } from '../../core/protocol/server-frames.js';
import type { RouteTable } from '../../core/routing/route-registry.js';
import type { PushRegistration } from '../../core/storage/push-store.js';
import type { PushJob, PushPolicy } from '../../core/push/push-job.js';

export type PushDecisionReason = 'connected' | 'muted' | 'own-message' | 'user-active';

export interface PushPlanInput {
  messages: Message[];
  membersByRoom: Map<string, string[]>;
  /** user -> device -> gateway node, for the members. */
  routes: RouteTable;
  aliveNodes: Set<string>;
  registrations: PushRegistration[];
  policy: PushPolicy;
  /** Users active now or within the policy's window (only used by hold-while-active). */
  activeUsers: Set<string>;
}

export interface PushPlan {
  jobs: PushJob[];
  suppressed: Array<{ user: string; device: string; room: string; reason: PushDecisionReason }>;
}

/**
 * Who gets a push for which message, without I/O. A device with a push registration gets one
 * for each message of a room it is a member of, unless: the message is its user's own, the
 * device has a live connection (it got the message live), the room is muted on the device,
 * or the policy holds pushes back while the user is active on another device.
 */
export function planPushes(input: PushPlanInput): PushPlan {
  const byUser = new Map<string, PushRegistration[]>();
  for (const registration of input.registrations) {
    const list = byUser.get(registration.user);
    if (list) list.push(registration);
    else byUser.set(registration.user, [registration]);
  }
  const plan: PushPlan = { jobs: [], suppressed: [] };
  for (const message of input.messages) {
    for (const user of input.membersByRoom.get(message.room) ?? []) {
      const registrations = byUser.get(user);
      if (!registrations) continue;
      for (const registration of registrations) {
        const reason = suppression(input, message, registration);
        if (reason) {
          plan.suppressed.push({ user, device: registration.device, room: message.room, reason });
          continue;
        }
        plan.jobs.push({
          user,
          device: registration.device,
          platform: registration.platform,
          token: registration.token,
          preview: registration.preview,
          room: message.room,
          sender: message.sender,
          body: message.body,
          seq: message.seq,
          msgId: message.msgId,
          ts: message.ts,
        });
      }
    }
  }
  return plan;
}

function suppression(
  input: PushPlanInput,
  message: Message,
  registration: PushRegistration,
): PushDecisionReason | undefined {
  if (registration.user === message.sender) return 'own-message';
  const nodes = input.routes.get(registration.user)?.get(registration.device);
  if (nodes?.some((node) => input.aliveNodes.has(node))) return 'connected';
  if (registration.mutedRooms.includes(message.room)) return 'muted';
  if (input.policy === 'hold-while-active' && input.activeUsers.has(registration.user)) return 'user-active';
  return undefined;
}
