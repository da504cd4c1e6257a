import type { ClientFrameOf } from '../../../core/protocol/client-frames.js';
import type { GatewayContext, RequestScope } from '../gateway-context.js';
import { requireMember, type MembershipContext } from './membership.js';
import { TypingThrottle } from '../typing-throttle.js';
import { Coalescer } from '../../../core/batching/coalescer.js';
import type { PresenceStatus } from '../../../core/presence/presence-events.js';

/** One presence.query: who asks, about whom. */
interface PresenceAsk {
  asker: string;
  candidates: readonly string[];
}

export type PresenceContext = MembershipContext &
  Pick<GatewayContext, 'config' | 'metrics' | 'rooms' | 'deliverer' | 'presence'>;

/** typing and presence.query. */
export class PresenceHandlers {
  private readonly throttle: TypingThrottle;
  /**
   * presence.query requests arriving while one batch is answered go together in the next: every
   * reconnecting device asks about its contacts, so a reconnect storm is one query per device.
   */
  private readonly queries: Coalescer<PresenceAsk, PresenceStatus[]>;

  constructor(private readonly ctx: PresenceContext) {
    this.throttle = new TypingThrottle(ctx.config.typingThrottleMs);
    this.queries = new Coalescer((asks) => this.answer(asks), {
      maxInFlight: 1,
      maxWeight: 2000,
      weight: (ask) => ask.candidates.length,
    });
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
    const users = await this.queries.submit({ asker: scope.session.user, candidates: frame.users });
    scope.reply({ type: 'presence', users });
  }

  /**
   * Statuses of the users each asker may see: a group in common, or a message of theirs in a
   * direct room with the asker, and no block of the asker (others are left out, as strangers
   * always were). One Postgres statement, one read of the live gateways and one Redis pipeline
   * for the whole batch.
   */
  private async answer(asks: ReadonlyArray<PresenceAsk>): Promise<PresenceStatus[][]> {
    const visible = await this.ctx.rooms.presenceVisibleToMany(asks);
    const now = Date.now();
    const alive = new Set(await this.ctx.presence.aliveNodes(now));
    const statuses = await this.ctx.presence.read([...new Set(visible.flat())], alive, now);
    const byUser = new Map(statuses.map((status) => [status.user, status]));
    return visible.map((users) => users.map((user) => byUser.get(user)!));
  }

  /** Forgets throttle entries whose starts have long expired (called from the heartbeat). */
  sweep(now: number): void {
    this.throttle.sweep(now, Math.max(this.ctx.config.typingThrottleMs, this.ctx.config.typingTtlMs));
  }
}
