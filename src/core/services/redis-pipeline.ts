import type { ChainableCommander, Cluster } from 'ioredis';
import calculateSlot from 'cluster-key-slot';
import { isCluster, type RedisClient } from './redis-client.js';

/**
 * Commands queued to go to Redis in one round trip with another store's (the `alongside` and
 * `...In` parts of the Redis stores' interfaces): an engine other than Redis has no such batch.
 */
export type RedisBatch = ChainableCommander;

/** Each command's error or reply, in the order queued (what ioredis's exec() answers). */
type PipelineResults = Array<[error: Error | null, reply: unknown]>;

/**
 * A pipeline whose commands may name keys of many users and rooms. On one Redis it is the plain
 * ioredis pipeline (one round trip, nothing added). On a cluster ioredis refuses a pipeline whose
 * keys live on different nodes, so the commands are queued here and split at exec(): one
 * pipeline per node, run in parallel, their replies put back in the order queued. The commands of
 * one slot keep their order (they go to one pipeline); commands of different slots may run in
 * any order, as they would from separate clients.
 *
 * A command's slot is that of its first argument: every command queued here names its key first
 * (a script defined with defineCommand takes its KEYS first). One that does not is refused by
 * ioredis at exec(), never sent to the wrong node.
 */
export function pipelineOf(redis: RedisClient): ChainableCommander {
  return isCluster(redis) ? clusterPipeline(redis) : redis.pipeline();
}

interface Queued {
  name: string;
  args: unknown[];
}

function clusterPipeline(cluster: Cluster): ChainableCommander {
  const queued: Queued[] = [];
  const proxy: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_target, property) {
      if (property === 'length') return queued.length;
      if (property === 'exec') return () => execSplit(cluster, queued);
      // Not a thenable: an async function may return the pipeline.
      if (typeof property !== 'string' || property === 'then') return undefined;
      if (property === 'multi')
        throw new Error('a transaction takes the keys of one slot: use multi() on the client, not in a pipeline');
      return (...args: unknown[]) => {
        queued.push({ name: property, args });
        return proxy;
      };
    },
  });
  return proxy;
}

async function execSplit(cluster: Cluster, queued: readonly Queued[]): Promise<PipelineResults> {
  const groups = new Map<number | string, number[]>();
  queued.forEach((command, index) => {
    const group = nodeGroupOf(cluster, command.args[0]);
    const indexes = groups.get(group);
    if (indexes) indexes.push(index);
    else groups.set(group, [index]);
  });
  const results: PipelineResults = new Array<PipelineResults[number]>(queued.length);
  await Promise.all(
    [...groups.values()].map(async (indexes) => {
      const pipeline = cluster.pipeline() as unknown as Record<string, (...args: unknown[]) => unknown> &
        ChainableCommander;
      for (const index of indexes) pipeline[queued[index]!.name]!(...queued[index]!.args);
      const replies = await pipeline.exec();
      indexes.forEach((index, k) => {
        results[index] = replies?.[k] ?? [new Error('Redis did not answer this pipelined command'), null];
      });
    }),
  );
  return results;
}

/**
 * The pipeline a command joins: its slot's group of nodes as ioredis knows it (one per master),
 * or the slot alone before the client has the cluster's slot map.
 */
function nodeGroupOf(cluster: Cluster, key: unknown): number | string {
  if (typeof key !== 'string' && !Buffer.isBuffer(key)) return 'keyless';
  const slot = calculateSlot(key);
  // Declared by ioredis (cluster/index.d.ts); a pipeline may span the slots of one group.
  const group = cluster._groupsBySlot[slot];
  return group === undefined ? `slot ${slot}` : group;
}

/**
 * Runs a pipeline and answers each command's reply, in order. A command that failed fails the
 * lot (its error is thrown), and so does an answer that lacks some commands' replies.
 */
export async function pipelineReplies(pipeline: ChainableCommander): Promise<unknown[]> {
  const expected = pipeline.length;
  const results = (await pipeline.exec()) ?? [];
  if (results.length !== expected)
    throw new Error(`Redis answered ${results.length} of ${expected} pipelined commands`);
  return results.map(([error, reply]) => {
    if (error) throw error;
    return reply;
  });
}
