import type { ClientRequest } from '../../core/protocol/client-frames.js';
import { ProtocolError } from '../../core/protocol/errors.js';
import type { GatewayContext, RequestScope } from './gateway-context.js';
import type { GatewaySession } from './gateway-session.js';
import { PresenceHandlers, type PresenceContext } from './handlers/presence-handlers.js';
import { PushHandlers, type PushContext } from './handlers/push-handlers.js';
import { ReadHandlers, type ReadContext } from './handlers/read-handlers.js';
import { RoomHandlers, type RoomContext } from './handlers/room-handlers.js';
import { SendHandler, type SendContext } from './handlers/send-handler.js';
import { REQUEST_QUEUE_FACTOR, RequestGate } from './request-gate.js';

/** What the handlers use, and the limits the dispatcher applies before them. */
export type DispatchContext = SendContext &
  RoomContext &
  ReadContext &
  PresenceContext &
  PushContext &
  Pick<GatewayContext, 'config'>;

/** Routes each request to its handler, branching on the frame's discriminant. */
export class RequestDispatcher {
  private readonly sends: SendHandler;
  private readonly rooms: RoomHandlers;
  private readonly reads: ReadHandlers;
  readonly presence: PresenceHandlers;
  private readonly push: PushHandlers;
  /** Per connection, the tail of its send chain: sends are checked and published in arrival order. */
  private readonly sendChains = new WeakMap<object, Promise<void>>();
  /**
   * Per user, its share of the backing services (sends have their chain and rate limit instead):
   * per user rather than per connection, so that 32 connections of one token do not get 32 shares.
   * A gate lives while the user has requests pending.
   */
  private readonly gates = new Map<string, RequestGate>();

  constructor(private readonly ctx: DispatchContext) {
    this.sends = new SendHandler(ctx);
    this.rooms = new RoomHandlers(ctx);
    this.reads = new ReadHandlers(ctx);
    this.presence = new PresenceHandlers(ctx);
    this.push = new PushHandlers(ctx);
  }

  async dispatch(scope: RequestScope, frame: ClientRequest, receivedAt: number): Promise<void> {
    if (frame.type === 'send' || frame.type === 'ping') return this.route(scope, frame, receivedAt);
    const { user } = scope.session;
    let gate = this.gates.get(user);
    if (!gate) {
      const { maxInflightRequests } = this.ctx.config;
      gate = new RequestGate(maxInflightRequests, maxInflightRequests * REQUEST_QUEUE_FACTOR);
      this.gates.set(user, gate);
    }
    try {
      return await gate.run(() => this.route(scope, frame, receivedAt), scope.signal);
    } finally {
      if (gate.pending === 0) this.gates.delete(user);
    }
  }

  private async route(scope: RequestScope, frame: ClientRequest, receivedAt: number): Promise<void> {
    switch (frame.type) {
      case 'ping':
        scope.reply({ type: 'pong' });
        return;
      case 'send':
        return this.send(scope, frame, receivedAt);
      case 'history':
        return this.reads.history(scope, frame);
      case 'sync':
        return this.reads.sync(scope, frame);
      case 'read':
        return this.reads.read(scope, frame);
      case 'room.create':
        return this.rooms.create(scope, frame);
      case 'room.members.add':
        return this.rooms.addMembers(scope, frame);
      case 'room.members.remove':
        return this.rooms.removeMembers(scope, frame);
      case 'rooms.list':
        return this.rooms.list(scope, frame);
      case 'user.block':
        return this.rooms.block(scope, frame);
      case 'user.unblock':
        return this.rooms.unblock(scope, frame);
      case 'blocks.list':
        return this.rooms.listBlocks(scope);
      case 'typing':
        return this.presence.typing(scope, frame);
      case 'presence.query':
        return this.presence.query(scope, frame);
      case 'push.register':
        return this.push.register(scope, frame);
      case 'push.unregister':
        return this.push.unregister(scope);
    }
  }

  private send(
    scope: RequestScope,
    frame: Extract<ClientRequest, { type: 'send' }>,
    receivedAt: number,
  ): Promise<void> {
    // The rate limit is taken at arrival so a burst is judged as the client sent it.
    const waitMs = (scope.session as GatewaySession).sendLimiter.take(receivedAt);
    if (waitMs > 0) {
      return Promise.reject(
        new ProtocolError('rate_limited', `more than ${this.ctx.config.sendRatePerSec} sends per second`, waitMs),
      );
    }
    const previous = this.sendChains.get(scope.session) ?? Promise.resolve();
    const current = previous.then(() => this.sends.handle(scope, frame, receivedAt));
    this.sendChains.set(
      scope.session,
      current.catch(() => {}),
    );
    return current;
  }
}
