import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';
import { requireMember } from './membership.js';
import { TypingThrottle } from '../typing-throttle.js';

/** typing and presence.query. */
export class PresenceHandlers {
  private readonly throttle: TypingThrottle;

  constructor(private readonly ctx: GatewayContext) {
    this.throttle = new TypingThrottle(ctx.config.typingThrottleMs);
  }

  async typing(scope: RequestScope, frame: ClientFrameOf<'typing'>): Promise<void> {
    const { user } = scope.session;
    await requireMember(this.ctx, user, frame.room);
    const now = Date.now();
    const forward = this.throttle.admit(`${user}\u0000${frame.room}`, frame.state, now);
    this.ctx.metrics.typing.inc({ outcome: forward ? 'forwarded' : 'throttled' });
    if (scope.requestId !== undefined) scope.reply({ type: 'ok' });
    if (!forward) return;
    const others = (await this.ctx.rooms.membersOf(frame.room)).filter((member) => member !== user);
    if (others.length === 0) return;
    const event = { type: 'typing', room: frame.room, user, state: frame.state, ttlMs: this.ctx.config.typingTtlMs };
    await this.ctx.deliverer.deliver([{ users: others, frame: JSON.stringify(event) }]);
  }

  async query(scope: RequestScope, frame: ClientFrameOf<'presence.query'>): Promise<void> {
    const wanted = [...new Set(frame.users)];
    // Only those the asker may see: a group in common, or a message of theirs in a direct room
    // with the asker, and no block of the asker. Others are left out, as strangers always were.
    const visible = await this.ctx.rooms.presenceVisibleTo(scope.session.user, wanted);
    const now = Date.now();
    const users = await this.ctx.presence.read(visible, new Set(await this.ctx.presence.aliveNodes(now)), now);
    scope.reply({ type: 'presence', users });
  }

  /** Forgets throttle entries whose starts have long expired (called from the heartbeat). */
  sweep(now: number): void {
    this.throttle.sweep(now, Math.max(this.ctx.config.typingThrottleMs, this.ctx.config.typingTtlMs));
  }
}
