import type { ProcessCluster } from '../nodes/cluster/process-cluster.js';
import type { Fault } from './fault-run.js';
import type { TcpFaultProxy } from './tcp-proxy.js';

/** A cluster whose gateway-1 reaches NATS through a TCP fault proxy (the others go straight). */
export interface LinkTarget {
  cluster: ProcessCluster;
  /** Between gateway-1 and NATS: `ProcessCluster`'s nodeEnv gives gateway-1 its URL. */
  gatewayNats: TcpFaultProxy;
}

export type LinkFault = Fault<LinkTarget>;

/**
 * A partition between one gateway and NATS: its connection stays open and nothing crosses it
 * (what a dead link or a blackholed route looks like), so neither side notices by itself for
 * 20 s or more (nats.js pings every 10 s and gives up after two). The gateway's own PING probe
 * notices after 3 s: it refuses new WebSockets, reports not ready and sends its clients to
 * gateway-2 (goaway), where they resend what was not acked and sync.
 */
export const GATEWAY_NATS_PARTITION: LinkFault = {
  name: 'gateway-nats-partition',
  description:
    'gateway-1 cut off from NATS for 10 s (its link blackholed: connection open, nothing through), then healed: it sends its clients to gateway-2 after 2 s without a PONG',
  inject: ({ gatewayNats }) => gatewayNats.setMode({ kind: 'blackhole' }),
  holdMs: 10_000,
  heal: ({ gatewayNats }) => gatewayNats.heal(),
};
