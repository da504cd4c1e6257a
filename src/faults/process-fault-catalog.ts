import type { ProcessCluster } from '../nodes/cluster/process-cluster.js';
import type { Fault } from './fault-run.js';

/**
 * Faults that hit one role process of a `chat-node cluster` (two gateways, two fan-outs, a
 * presence node and a pusher; the cluster restarts a role that dies, as an init system would).
 */
export type ClusterFault = Fault<ProcessCluster>;

const kill = (nodeId: string, what: string): ClusterFault => ({
  name: `${nodeId.replace(/-\d+$/, '')}-sigkill`,
  description: `SIGKILL ${nodeId}: ${what}`,
  inject: async (cluster) => {
    cluster.signal(nodeId, 'SIGKILL');
  },
  heal: (cluster) => cluster.waitHealthy(nodeId),
});

export const PROCESS_FAULTS: readonly ClusterFault[] = [
  kill('gateway-1', 'its devices reconnect to gateway-2 and sync; it restarts at once'),
  {
    name: 'gateway-drain',
    description: 'SIGTERM gateway-1: goaway with a jittered delay to every client, which move to gateway-2',
    inject: async (cluster) => {
      cluster.signal('gateway-1', 'SIGTERM');
    },
    heal: (cluster) => cluster.waitHealthy('gateway-1'),
  },
  kill(
    'fanout-1',
    'restarted at once, it frees and retakes its partitions (fanout-2 takes them once their 3 s leases lapse if it does not) and replays unacked sends',
  ),
  {
    name: 'fanout-sigstop',
    description:
      'SIGSTOP fanout-1 for 12 s, then SIGCONT: its leases lapse, fanout-2 takes over, the frozen owner must be fenced',
    inject: async (cluster) => {
      cluster.signal('fanout-1', 'SIGSTOP');
    },
    holdMs: 12_000,
    heal: async (cluster) => {
      cluster.signal('fanout-1', 'SIGCONT');
    },
  },
  kill('presence-1', 'presence events wait in NATS until it is back; delivery must not notice'),
  kill('pusher-1', 'push jobs wait in the JetStream work queue until it is back; delivery must not notice'),
];

/** Every gateway at once: all devices come back together (with the client's jittered backoff) once they restart. */
export const RECONNECT_STORM: ClusterFault = {
  name: 'reconnect-storm',
  description:
    'SIGKILL both gateways at once: every device reconnects (jittered backoff) when they are back (restarted at once, ~1.3 s to boot)',
  inject: async (cluster) => {
    for (const member of cluster.members.filter((m) => m.role === 'gateway')) cluster.signal(member.nodeId, 'SIGKILL');
  },
  heal: async (cluster) => {
    await Promise.all(cluster.members.filter((m) => m.role === 'gateway').map((m) => cluster.waitHealthy(m.nodeId)));
  },
};

/**
 * Both push providers out at once, each its own way: the APNs fake stops listening and drops its
 * connections (connection refused: a network or DNS outage), the FCM fake answers every send
 * 503 (an overloaded provider). The pusher pauses with backoff and hands its jobs back to the
 * JetStream work queue; once the fakes answer again every notification owed must arrive.
 */
export const PUSH_PROVIDER_OUTAGE: ClusterFault = {
  name: 'push-provider-outage',
  description:
    'APNs fake refusing connections and FCM fake answering 503 for 10 s, then both back: push jobs wait in the work queue and drain after',
  inject: (cluster) => cluster.setPushFakeModes({ apns: { kind: 'down' }, fcm: { kind: 'status', status: 503 } }),
  holdMs: 10_000,
  heal: (cluster) => cluster.setPushFakeModes({}),
};
