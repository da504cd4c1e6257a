import type { Result } from 'ioredis';
import { isCluster, type RedisClient } from '../services/redis-client.js';
import { pipelineOf, pipelineReplies, type RedisBatch } from '../services/redis-pipeline.js';
import type { PresenceStatus } from './presence-events.js';

/**
 * Who is online: gateways' liveness leases and the users they hold, each user's published status
 * and last-seen time, and the users to look at again when a grace period ends. A user is online
 * while a device routes to a gateway whose lease is alive. Gateways write leases and node users;
 * the presence role evaluates, reaps dead gateways and schedules checks; presence.query reads.
 */
export interface PresenceStore {
  /** A gateway's heartbeat: its lease lasts until `expiresAt`. False when the node was not listed (new, or reaped). */
  renewNode(node: string, expiresAt: number, devices: number): Promise<boolean>;
  /** A gateway's planned exit, or a dead one reaped: its lease and its records go. */
  removeNode(node: string): Promise<void>;
  /** Connections held by the nodes that are alive. */
  onlineDevices(aliveNodes: string[]): Promise<number>;
  addNodeUser(node: string, user: string): Promise<void>;
  /** addNodeUser(), queued in a batch going to Redis with another store's commands. */
  addNodeUserIn(batch: RedisBatch, node: string, user: string): void;
  removeNodeUser(node: string, user: string): Promise<void>;
  /** removeNodeUser(), queued in a batch going to Redis with another store's commands. */
  removeNodeUserIn(batch: RedisBatch, node: string, user: string): void;
  /** Nodes whose lease is alive now. */
  aliveNodes(now: number): Promise<string[]>;
  /** Nodes whose lease ran out, with the time of their last heartbeat. */
  deadNodes(now: number, leaseMs: number): Promise<Array<{ node: string; lastHeartbeat: number }>>;
  /** Takes a dead node for reaping (one presence worker does it); false if another has it. */
  claimReap(node: string): Promise<boolean>;
  nodeUsers(node: string): Promise<string[]>;
  /** Drops a dead node's device routes of a user; how many devices it held. */
  reapUser(user: string, node: string, lastSeen: number): Promise<number>;
  reapUsers(users: readonly string[], node: string, lastSeen: number): Promise<number[]>;
  recordLastSeen(user: string, at: number): Promise<void>;
  /** Look at `user` again at `at` (a later call for the same user moves it). */
  scheduleCheck(user: string, at: number): Promise<void>;
  scheduleChecks(users: readonly string[], at: number): Promise<void>;
  /** Takes the users due by `now`, each once across workers. */
  claimDue(now: number, limit?: number): Promise<string[]>;
  /** Takes one user's check if it is due by `now`. */
  claimIfDue(user: string, now: number): Promise<boolean>;
  /** Stores the user's status from their routes and the alive nodes; returns it when it changed. */
  evaluate(user: string, aliveNodes: string[], now: number): Promise<PresenceStatus | undefined>;
  evaluateMany(users: readonly string[], aliveNodes: string[], now: number): Promise<Array<PresenceStatus | undefined>>;
  /** Devices went away: last-seen times and a check at the end of each grace period. */
  recordDepartures(departures: ReadonlyArray<{ user: string; at: number; due: number }>): Promise<void>;
  /** Statuses without changing anything (presence.query). */
  read(users: string[], aliveNodes: Set<string>, now: number): Promise<PresenceStatus[]>;
  /** When each user was last seen (ms), for those ever seen. */
  lastSeenOf(users: string[]): Promise<Map<string, number>>;
  /** Users whose published status is online. */
  onlineUsers(): Promise<number>;
}

/**
 * The presence store in Redis, all of it rebuildable and expiring:
 * - `<ns>:nodes`: gateway node -> lease expiry (ms). A gateway renews its lease every heartbeat:
 *   one write per gateway process, not per device, is the heartbeat cost.
 * - `<ns>:node-users:{node}`: the users a gateway node holds, to reap them when it dies.
 * - `<ns>:route:{user}`: device -> node (the route registry, shared with delivery).
 * - `<ns>:presence:{user}`: the user's last published status and last-seen time.
 * - `<ns>:presence:due`: users to re-evaluate at a time (the end of a grace period).
 * A user is online while any device's route points at a node whose lease is alive.
 */
export class RedisPresenceStore implements PresenceStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly namespace: string,
  ) {
    redis.defineCommand('chatPresenceEvaluate', { numberOfKeys: 2, lua: EVALUATE_LUA });
    redis.defineCommand('chatPresenceReap', { numberOfKeys: 2, lua: REAP_LUA });
    redis.defineCommand('chatPresenceClaimDue', { numberOfKeys: 1, lua: CLAIM_DUE_LUA });
    redis.defineCommand('chatPresenceClaimOne', { numberOfKeys: 1, lua: CLAIM_ONE_LUA });
  }

  private get nodesKey(): string {
    return `${this.namespace}:nodes`;
  }

  private nodeUsersKey(node: string): string {
    return `${this.namespace}:node-users:{${node}}`;
  }

  private routeKey(user: string): string {
    return `${this.namespace}:route:{${user}}`;
  }

  private presenceKey(user: string): string {
    return `${this.namespace}:presence:{${user}}`;
  }

  private get dueKey(): string {
    return `${this.namespace}:presence:due`;
  }

  private get countsKey(): string {
    return `${this.namespace}:presence:counts`;
  }

  private get nodeDevicesKey(): string {
    return `${this.namespace}:node-devices`;
  }

  /**
   * A gateway's heartbeat: its lease now lasts until `expiresAt`; it holds `devices` connections.
   * Returns whether the lease was still listed: false when the node is new, or was reaped as dead
   * (a lease that lapsed while the gateway lived on) and lost its devices' routes.
   */
  async renewNode(node: string, expiresAt: number, devices: number): Promise<boolean> {
    // A pipeline, not a transaction: the two keys are in different slots on a cluster, and a
    // reader seeing the lease a moment before its device count loses nothing.
    const [added] = await pipelineReplies(
      pipelineOf(this.redis).zadd(this.nodesKey, expiresAt, node).hset(this.nodeDevicesKey, node, devices),
    );
    return added === 0;
  }

  /** A gateway's planned exit, or a dead one reaped: its lease and its records go. */
  async removeNode(node: string): Promise<void> {
    // Its users first (their slot is not the lease's): a gateway that lives on and renews in
    // between still finds its lease, and once the lease is gone it registers its users again;
    // the other order could drop users it had just registered.
    await this.redis.del(this.nodeUsersKey(node));
    await pipelineReplies(pipelineOf(this.redis).zrem(this.nodesKey, node).hdel(this.nodeDevicesKey, node));
  }

  /** Connections held by the nodes that are alive. */
  async onlineDevices(aliveNodes: string[]): Promise<number> {
    if (aliveNodes.length === 0) return 0;
    const counts = await this.redis.hmget(this.nodeDevicesKey, ...aliveNodes);
    return counts.reduce((sum, count) => sum + Number(count ?? 0), 0);
  }

  async addNodeUser(node: string, user: string): Promise<void> {
    await this.redis.sadd(this.nodeUsersKey(node), user);
  }

  /** addNodeUser()'s command, in a pipeline someone else runs (the gateway's device registration). */
  addNodeUserIn(pipeline: RedisBatch, node: string, user: string): void {
    pipeline.sadd(this.nodeUsersKey(node), user);
  }

  async removeNodeUser(node: string, user: string): Promise<void> {
    await this.redis.srem(this.nodeUsersKey(node), user);
  }

  /** removeNodeUser()'s command, in a pipeline someone else runs (the gateway's departures). */
  removeNodeUserIn(pipeline: RedisBatch, node: string, user: string): void {
    pipeline.srem(this.nodeUsersKey(node), user);
  }

  /** Nodes whose lease is alive now. */
  async aliveNodes(now: number): Promise<string[]> {
    return this.redis.zrangebyscore(this.nodesKey, `(${now}`, '+inf');
  }

  /** Nodes whose lease ran out, with the time of their last heartbeat. */
  async deadNodes(now: number, leaseMs: number): Promise<Array<{ node: string; lastHeartbeat: number }>> {
    const flat = await this.redis.zrangebyscore(this.nodesKey, '-inf', now, 'WITHSCORES');
    const dead: Array<{ node: string; lastHeartbeat: number }> = [];
    for (let i = 0; i < flat.length; i += 2)
      dead.push({ node: flat[i]!, lastHeartbeat: Number(flat[i + 1]) - leaseMs });
    return dead;
  }

  /** Takes a dead node for reaping (one presence worker does it); false if another has it. */
  async claimReap(node: string): Promise<boolean> {
    return (await this.redis.set(`${this.namespace}:presence:reaping:{${node}}`, '1', 'PX', 30_000, 'NX')) === 'OK';
  }

  async nodeUsers(node: string): Promise<string[]> {
    return this.redis.smembers(this.nodeUsersKey(node));
  }

  /** Drops a dead node's device routes of a user; returns how many devices it held. */
  async reapUser(user: string, node: string, lastSeen: number): Promise<number> {
    return (await this.reapUsers([user], node, lastSeen))[0]!;
  }

  /**
   * reapUser() for many users of one dead node in one round trip (a gateway process holds up to
   * ~20,000); answers how many devices each held, in the order asked.
   */
  async reapUsers(users: readonly string[], node: string, lastSeen: number): Promise<number[]> {
    if (users.length === 0) return [];
    const pipeline = pipelineOf(this.redis);
    for (const user of users) pipeline.chatPresenceReap(this.routeKey(user), this.presenceKey(user), node, lastSeen);
    return (await pipelineReplies(pipeline)) as number[];
  }

  async recordLastSeen(user: string, at: number): Promise<void> {
    await this.redis.hset(this.presenceKey(user), 'lastSeen', at);
  }

  /** Re-evaluate `user` at `at` (a later call for the same user moves it). */
  async scheduleCheck(user: string, at: number): Promise<void> {
    await this.redis.zadd(this.dueKey, at, user);
  }

  /** scheduleCheck() for many users at one time, in one command. */
  async scheduleChecks(users: readonly string[], at: number): Promise<void> {
    if (users.length === 0) return;
    await this.redis.zadd(this.dueKey, ...users.flatMap((user) => [at, user]));
  }

  /** Takes the users due by `now` (atomically, so each is taken once). */
  async claimDue(now: number, limit = 500): Promise<string[]> {
    return (await this.redis.chatPresenceClaimDue(this.dueKey, now, limit)) as string[];
  }

  /** Takes one user's check if it is due by `now` (false if not due, or taken by another worker). */
  async claimIfDue(user: string, now: number): Promise<boolean> {
    return ((await this.redis.chatPresenceClaimOne(this.dueKey, user, now)) as number) === 1;
  }

  /**
   * Computes the user's status from their routes and the alive nodes, stores it, and returns
   * it when it changed (undefined when it did not). Atomic per user, so concurrent workers
   * publish a change once.
   */
  async evaluate(user: string, aliveNodes: string[], now: number): Promise<PresenceStatus | undefined> {
    return (await this.evaluateMany([user], aliveNodes, now))[0];
  }

  /**
   * evaluate() for many users in one round trip (a pipeline of the per-user script, so each stays
   * atomic on its own slot), answered in the order asked.
   */
  async evaluateMany(
    users: readonly string[],
    aliveNodes: string[],
    now: number,
  ): Promise<Array<PresenceStatus | undefined>> {
    if (users.length === 0) return [];
    const clustered = isCluster(this.redis);
    // On one Redis the script counts the change itself; a cluster's script may only touch the
    // user's slot, so the count follows in a command of its own (a crash in between misses one).
    const countsKey = clustered ? '' : this.countsKey;
    const pipeline = pipelineOf(this.redis);
    for (const user of users)
      pipeline.chatPresenceEvaluate(this.routeKey(user), this.presenceKey(user), countsKey, now, ...aliveNodes);
    const replies = await pipelineReplies(pipeline);
    const statuses = users.map((user, i): PresenceStatus | undefined => {
      const [changed, status, lastSeen] = replies[i] as [number, 'online' | 'offline', string | null];
      if (!changed) return undefined;
      return { user, status, lastSeen: status === 'online' ? now : lastSeen === null ? null : Number(lastSeen) };
    });
    const delta = statuses.reduce(
      (sum, status) => sum + (status === undefined ? 0 : status.status === 'online' ? 1 : -1),
      0,
    );
    if (clustered && delta !== 0) await this.redis.hincrby(this.countsKey, 'users', delta);
    return statuses;
  }

  /**
   * Devices went away: each user's last-seen time and a re-evaluation at the end of its grace
   * period, for many users in one round trip.
   */
  async recordDepartures(departures: ReadonlyArray<{ user: string; at: number; due: number }>): Promise<void> {
    if (departures.length === 0) return;
    const pipeline = pipelineOf(this.redis);
    for (const { user, at, due } of departures) {
      pipeline.hset(this.presenceKey(user), 'lastSeen', at);
      pipeline.zadd(this.dueKey, due, user);
    }
    await pipelineReplies(pipeline);
  }

  /**
   * Statuses without changing anything (presence.query): online when a device routes to a live
   * gateway, or while the published status is still online (a device reconnecting within the
   * grace period), so an answer never contradicts what watchers were last told.
   */
  async read(users: string[], aliveNodes: Set<string>, now: number): Promise<PresenceStatus[]> {
    if (users.length === 0) return [];
    const pipeline = pipelineOf(this.redis);
    for (const user of users) {
      pipeline.hvals(this.routeKey(user));
      pipeline.hmget(this.presenceKey(user), 'status', 'lastSeen');
    }
    const results = (await pipeline.exec()) ?? [];
    return users.map((user, i) => {
      const nodes = (results[2 * i]?.[1] as string[] | undefined) ?? [];
      const [status, lastSeen] = (results[2 * i + 1]?.[1] as Array<string | null> | undefined) ?? [null, null];
      const online = status === 'online' || nodes.some((node) => aliveNodes.has(node));
      return {
        user,
        status: online ? 'online' : 'offline',
        lastSeen: online ? now : lastSeen ? Number(lastSeen) : null,
      };
    });
  }

  /** When each user was last seen (ms), for those ever seen. */
  async lastSeenOf(users: string[]): Promise<Map<string, number>> {
    const seen = new Map<string, number>();
    if (users.length === 0) return seen;
    const pipeline = pipelineOf(this.redis);
    for (const user of users) pipeline.hget(this.presenceKey(user), 'lastSeen');
    const results = (await pipeline.exec()) ?? [];
    users.forEach((user, i) => {
      const value = results[i]?.[1];
      if (typeof value === 'string') seen.set(user, Number(value));
    });
    return seen;
  }

  /** Users whose published status is online (kept by evaluate). */
  async onlineUsers(): Promise<number> {
    return Number((await this.redis.hget(this.countsKey, 'users')) ?? 0);
  }
}

// KEYS[1] route hash, KEYS[2] presence hash; ARGV[1] counts key ('' on a cluster: the caller
// counts), ARGV[2] now, ARGV[3..] alive nodes. The counts hash is an argument, not a key: the
// script's keys stay on the user's slot.
const EVALUATE_LUA = `
local alive = {}
for i = 3, #ARGV do alive[ARGV[i]] = true end
local online = false
for _, node in ipairs(redis.call('HVALS', KEYS[1])) do
  if alive[node] then online = true break end
end
local status = online and 'online' or 'offline'
local old = redis.call('HGET', KEYS[2], 'status')
if not old then old = 'offline' end
local lastSeen = redis.call('HGET', KEYS[2], 'lastSeen')
if old == status then return {0, status, lastSeen} end
redis.call('HSET', KEYS[2], 'status', status)
if not online and not lastSeen then
  lastSeen = ARGV[2]
  redis.call('HSET', KEYS[2], 'lastSeen', lastSeen)
end
redis.call('EXPIRE', KEYS[2], 2592000)
if ARGV[1] ~= '' then redis.call('HINCRBY', ARGV[1], 'users', online and 1 or -1) end
return {1, status, lastSeen}
`;

// KEYS[1] route hash, KEYS[2] presence hash (the user's slot both); ARGV[1] dead node, ARGV[2]
// its last heartbeat. Removes the fields that still point at the node; the user was last seen
// then if it had any.
const REAP_LUA = `
local removed = 0
local flat = redis.call('HGETALL', KEYS[1])
for i = 1, #flat, 2 do
  if flat[i + 1] == ARGV[1] then
    redis.call('HDEL', KEYS[1], flat[i])
    removed = removed + 1
  end
end
if removed > 0 then redis.call('HSET', KEYS[2], 'lastSeen', ARGV[2]) end
return removed
`;

// KEYS[1] due zset; ARGV[1] now, ARGV[2] limit.
const CLAIM_DUE_LUA = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
if #due > 0 then redis.call('ZREM', KEYS[1], unpack(due)) end
return due
`;

// KEYS[1] due zset; ARGV[1] user, ARGV[2] now.
const CLAIM_ONE_LUA = `
local due = redis.call('ZSCORE', KEYS[1], ARGV[1])
if due and tonumber(due) <= tonumber(ARGV[2]) then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 1
end
return 0
`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatPresenceEvaluate(
      routeKey: string,
      presenceKey: string,
      countsKey: string,
      now: number,
      ...aliveNodes: string[]
    ): Result<unknown, Context>;
    chatPresenceReap(routeKey: string, presenceKey: string, node: string, lastSeen: number): Result<unknown, Context>;
    chatPresenceClaimDue(dueKey: string, now: number, limit: number): Result<unknown, Context>;
    chatPresenceClaimOne(dueKey: string, user: string, now: number): Result<unknown, Context>;
  }
}
