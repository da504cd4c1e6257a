import { ProtocolError } from '../../../core/protocol/errors.js';
import type { GatewayContext } from '../gateway-context.js';

export type MembershipContext = Pick<GatewayContext, 'sessions' | 'rooms'>;

/**
 * Refuses unless the user is a member of the room. The local cache answers the common case;
 * a miss asks Postgres (a room joined a moment ago may not have reached the cache yet).
 */
export async function requireMember(ctx: MembershipContext, user: string, room: string): Promise<void> {
  if (ctx.sessions.knowsMember(user, room)) return;
  const ticket = ctx.sessions.membershipTicket();
  const answer = await ctx.rooms.membership(room, user);
  if (!answer) throw new ProtocolError('not_found', `room ${room} does not exist`);
  // Recorded at the version read: a removal that arrived meanwhile (a later version) stays.
  ctx.sessions.setMember(user, room, answer.member, answer.version, ticket);
  if (!answer.member) throw new ProtocolError('forbidden', `you are not a member of room ${room}`);
}
