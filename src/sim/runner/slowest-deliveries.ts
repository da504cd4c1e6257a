import type { NodeTrace } from '../../core/observability/recent-traces.js';
import type { MetricsTarget } from './cluster-usage.js';

/** One delivery among a run's slowest. */
export interface SlowDelivery {
  msgId: string;
  room: string;
  seq: number;
  latencyMs: number;
  /** When it was delivered (epoch ms). */
  at: number;
}

/** How many of its slowest deliveries each load process keeps. */
export const SLOWEST_KEPT = 5;
/** How many of the run's slowest a report traces. */
export const SLOWEST_REPORTED = 3;

/** A slow delivery and what the nodes remembered of the message's way. */
export interface TracedDelivery extends SlowDelivery {
  trace: NodeTrace[];
}

/**
 * The `size` slowest deliveries seen, one per message (a message's copies on several devices
 * count once, at its slowest). A slow run's report traces these through the cluster, so it
 * names the hop that was slow for the messages that made the tail.
 */
export class SlowestDeliveries {
  private readonly kept: SlowDelivery[] = [];

  constructor(private readonly size: number) {}

  offer(delivery: SlowDelivery): void {
    const floor = this.kept.length < this.size ? -1 : this.kept[this.kept.length - 1]!.latencyMs;
    if (delivery.latencyMs <= floor) return;
    const same = this.kept.findIndex((kept) => kept.msgId === delivery.msgId);
    if (same >= 0) {
      if (this.kept[same]!.latencyMs >= delivery.latencyMs) return;
      this.kept.splice(same, 1);
    }
    const at = this.kept.findIndex((kept) => kept.latencyMs < delivery.latencyMs);
    this.kept.splice(at < 0 ? this.kept.length : at, 0, delivery);
    if (this.kept.length > this.size) this.kept.pop();
  }

  /** Slowest first. */
  list(): SlowDelivery[] {
    return [...this.kept];
  }
}

/** Every process's slowest, merged: the `size` slowest of all, one per message. */
export function slowestOf(lists: SlowDelivery[][], size: number): SlowDelivery[] {
  const merged = new SlowestDeliveries(size);
  for (const list of lists) for (const delivery of list) merged.offer(delivery);
  return merged.list();
}

/**
 * Asks every node (its /trace beside its /metrics) for each delivery's message. Nodes remember
 * their newest 20,000 messages, so a long or fast run may have forgotten the early ones: their
 * trace is then empty.
 */
export async function traceDeliveries(deliveries: SlowDelivery[], targets: MetricsTarget[]): Promise<TracedDelivery[]> {
  const bases = [...new Set(targets.map((target) => target.url.replace(/\/metrics$/, '')))];
  return Promise.all(
    deliveries.map(async (delivery) => {
      const answers = await Promise.all(
        bases.map((base) =>
          fetch(`${base}/trace?msg=${encodeURIComponent(delivery.msgId)}`, { signal: AbortSignal.timeout(5000) })
            .then((response) => (response.ok ? (response.json() as Promise<{ nodes: NodeTrace[] }>) : { nodes: [] }))
            .catch(() => ({ nodes: [] as NodeTrace[] })),
        ),
      );
      return { ...delivery, trace: answers.flatMap((answer) => answer.nodes) };
    }),
  );
}
