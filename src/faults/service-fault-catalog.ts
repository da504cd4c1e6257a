import type { JetStreamAsset } from '../devtools/nats-cluster.js';
import type { ProcessCluster } from '../nodes/cluster/process-cluster.js';
import type { Fault } from './fault-run.js';
import { flushAll, type PostgresInstance, type RedisInstance } from './service-faults.js';

/** A cluster on services of its own (a Postgres, a Redis and a 3-node NATS cluster), so they can be broken. */
export interface ServiceTarget {
  cluster: ProcessCluster;
  postgres: PostgresInstance;
  redis: RedisInstance;
}

export type ServiceFault = Fault<ServiceTarget>;

export const SERVICE_FAULTS: readonly ServiceFault[] = [
  {
    name: 'postgres-restart',
    description:
      'Postgres stopped with -m immediate (no checkpoint, like a power cut) for 5 s, then started: commits fail and are retried',
    inject: ({ postgres }) => postgres.stopImmediate(),
    holdMs: 5000,
    heal: ({ postgres }) => postgres.start(),
  },
  {
    name: 'redis-restart',
    description: 'Redis killed (no persistence: routes, presence, caches gone) for 3 s, then started empty',
    inject: ({ redis }) => redis.kill(),
    holdMs: 3000,
    heal: ({ redis }) => redis.restart(),
  },
  {
    name: 'redis-flushall',
    description: 'FLUSHALL on Redis: every route, presence entry and cached message gone at once, connections kept',
    inject: ({ redis }) => flushAll(redis.url),
  },
  natsNodeKill(),
  {
    name: 'nats-full-restart',
    description: 'SIGKILL of all 3 NATS nodes for 3 s, then all restarted on their stores (JetStream file storage)',
    inject: async ({ cluster }) => {
      await Promise.all([0, 1, 2].map((index) => cluster.killNatsNode(index)));
    },
    holdMs: 3000,
    heal: async ({ cluster }) => {
      await Promise.all([0, 1, 2].map((index) => cluster.restartNatsNode(index)));
    },
  },
];

/**
 * One NATS node of three killed: what it led (streams, consumers, the meta group) elects new
 * leaders among the other two, 4-9 s later by nats-server's raft timeouts, and the cluster's
 * recovery is judged from then (FaultResult.routedAroundMs).
 */
function natsNodeKill(): ServiceFault {
  let assets: JetStreamAsset[] = [];
  return {
    name: 'nats-node-kill',
    description: 'SIGKILL of NATS node n1 of 3 (R3 streams elect new leaders) for 10 s, then restarted on its store',
    inject: async ({ cluster }) => {
      assets = await cluster.natsAssets();
      await cluster.killNatsNode(0);
    },
    routedAround: ({ cluster }) => cluster.waitNatsLeaders(assets, 10_000),
    holdMs: 10_000,
    heal: ({ cluster }) => cluster.restartNatsNode(0),
  };
}
