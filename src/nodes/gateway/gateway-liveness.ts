import type { PresenceStore } from '../../core/presence/presence-store.js';
import type { RouteRegistry } from '../../core/routing/route-registry.js';

/** Why this gateway's routing state is gone from Redis. */
export type RoutesGone = 'lost' | 'reaped';

export interface GatewayLivenessOptions {
  nodeId: string;
  presenceTimeoutMs: number;
  presence: PresenceStore;
  routes: RouteRegistry;
  /** Connections held now (the lease carries the count). */
  connections: () => number;
  /** Redis no longer holds what this gateway wrote: its clients must reconnect and sync. */
  onRoutesGone: (why: RoutesGone) => void;
}

/**
 * This gateway's standing in Redis: its liveness lease, renewed every heartbeat (one Redis write
 * per gateway process stands for the liveness of all its devices:
 * docs/decisions/0004-presence-heartbeats.md), and the check, every second, that Redis still
 * holds the routes it wrote. Either can find them gone; the remedy is the caller's.
 */
export class GatewayLiveness {
  /** The lease was renewed once: from then on, a renewal that finds it unlisted means it was reaped. */
  private leaseRenewed = false;
  private checkingRoutes = false;
  /** The marker was set once: from then on its absence means Redis lost this node's routes. */
  private routesChecked = false;

  constructor(private readonly options: GatewayLivenessOptions) {}

  async renewLease(): Promise<void> {
    const { nodeId, presenceTimeoutMs, presence } = this.options;
    const listed = await presence.renewNode(nodeId, Date.now() + presenceTimeoutMs, this.options.connections());
    // Not listed after the first renewal: presence found the lease lapsed (a stall, Redis out of
    // reach longer than the lease) and reaped this live node: its devices' routes are gone, and
    // what was committed since reached none of them. The same remedy as lost routes.
    const reaped = !listed && this.leaseRenewed;
    this.leaseRenewed = true;
    if (reaped) this.options.onRoutesGone('reaped');
  }

  /**
   * Did Redis lose what this gateway wrote? Until the clients come back, what is committed for
   * them reaches them only through their sync, so each second of noticing is a second of the
   * recovery (it was up to a whole heartbeat, 5 s). Two small Redis commands per check.
   */
  async checkRoutes(): Promise<void> {
    if (this.checkingRoutes) return;
    this.checkingRoutes = true;
    try {
      const lost = await this.options.routes.lostSinceLastCheck(this.options.nodeId);
      // The first check only sets the marker: a new node has lost nothing.
      if (lost && this.routesChecked) {
        this.options.onRoutesGone('lost');
        // Redis lost the lease's listing too: the next renewal lists the node again, and must
        // not take that for a reap and send the clients away a second time.
        this.leaseRenewed = false;
      }
      this.routesChecked = true;
    } catch {
      // Redis out of reach: the next check after it answers again sees the loss, if any.
    } finally {
      this.checkingRoutes = false;
    }
  }
}
