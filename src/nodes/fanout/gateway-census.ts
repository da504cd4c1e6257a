/**
 * How many gateway processes are alive, as the fan-out last counted them, and so whether a
 * batch goes to every gateway node before its route lookup (BatchPublisher's `broadcast`). A
 * stale count is harmless: delivery to every node is correct whatever the cluster's size (it is
 * what a fan-out does while Redis is out of reach), and by route is correct at any size; the
 * count only chooses the cheaper. Until the first count answers, batches go by route.
 */
export class GatewayCensus {
  private alive: number | undefined;
  private counting?: Promise<void>;

  /**
   * @param count reads the number of live gateway processes (their presence leases)
   * @param upTo broadcast while at most this many are alive; 0 never
   * @param onChange told when a count switches between broadcast and by route
   */
  constructor(
    private readonly count: () => Promise<number>,
    private readonly upTo: number,
    private readonly onChange: (broadcast: boolean, alive: number) => void = () => {},
  ) {}

  /** The gateway processes alive at the last count (undefined before the first). */
  get aliveGateways(): number | undefined {
    return this.alive;
  }

  /** True while batches go to every gateway node first. */
  get broadcast(): boolean {
    // With upTo 0 nothing is ever counted, so `alive` stays undefined.
    return this.alive !== undefined && this.alive <= this.upTo;
  }

  /** Counts again (one at a time); a failed count keeps the last one. */
  refresh(): Promise<void> {
    if (this.upTo === 0) return Promise.resolve();
    return (this.counting ??= this.count()
      .then((alive) => {
        const before = this.broadcast;
        this.alive = alive;
        if (this.broadcast !== before) this.onChange(this.broadcast, alive);
      })
      .catch(() => {})
      .finally(() => {
        this.counting = undefined;
      }));
  }
}
