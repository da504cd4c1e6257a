import { Histogram, type Registry } from 'prom-client';

/** Epoch ms with sub-ms precision, comparable across the processes of one machine. */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * The hops of a message through the cluster, in order. Each is timed by the role that ends it,
 * from timestamps the message carries (one clock per machine: hops across machines include
 * their clock skew).
 */
export const HOPS = [
  { hop: 'publish', role: 'gateway', from: 'received at the gateway', to: 'stored in the send stream' },
  { hop: 'pull', role: 'fanout', from: 'stored in the send stream', to: 'pulled by the fan-out' },
  { hop: 'queue', role: 'fanout', from: 'pulled by the fan-out', to: 'commit started' },
  { hop: 'commit', role: 'fanout', from: 'commit started', to: 'committed' },
  { hop: 'route', role: 'fanout', from: 'committed', to: 'published for delivery' },
  { hop: 'write', role: 'gateway', from: 'published for delivery', to: 'written to the socket' },
] as const;

export type Hop = (typeof HOPS)[number]['hop'];

/** Fine below 10 ms, where most hops of a healthy cluster live. */
export const HOP_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.00075, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25,
  0.5, 1, 2.5, 5, 10,
];

/** Per-hop histogram children, bound once so an observation costs no label lookup. */
export type HopTimers = Record<Hop, { observe(seconds: number): void }>;

/**
 * `chat_<role>_hop_seconds{hop}`: one histogram per role (dev serves every role's registry on one
 * /metrics, where one shared name would repeat its family), with the hops that role ends.
 */
export function createHopTimers(registry: Registry, role: 'gateway' | 'fanout'): HopTimers {
  const histogram = new Histogram({
    name: `chat_${role}_hop_seconds`,
    help: `Time a message spends on each hop this ${role} ends: ${HOPS.filter((h) => h.role === role)
      .map((h) => `${h.hop} (${h.from} -> ${h.to})`)
      .join(', ')}`,
    labelNames: ['hop'],
    buckets: HOP_BUCKETS,
    registers: [registry],
  });
  const timers = {} as HopTimers;
  for (const { hop } of HOPS) timers[hop] = histogram.labels(hop);
  return timers;
}
