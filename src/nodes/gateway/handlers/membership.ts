import { ProtocolError } from '../../../core/protocol/errors.js';
import type { GatewayContext } from '../gateway-context.js';

/**
 * Refuses unless the user is a member of the room. The local cache answers the common case;
 * a miss asks Postgres (a room joined a moment ago may not have reached the cache yet).
 */
export async function requireMember(ctx: GatewayContext, user: string, room: string): Promise<void> {
  if (ctx.sessions.knowsMember(user, room)) return;
  if (await ctx.rooms.isMember(room, user)) {
    ctx.sessions.setMember(user, room, true);
    return;
  }
  if (await ctx.rooms.exists(room)) throw new ProtocolError('forbidden', `you are not a member of room ${room}`);
  throw new ProtocolError('not_found', `room ${room} does not exist`);
}
