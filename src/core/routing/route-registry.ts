import type { Result } from 'ioredis';
import type { RedisClient } from '../services/redis-client.js';
import { pipelineOf, pipelineReplies, type RedisBatch } from '../services/redis-pipeline.js';

/** A user's online devices, each with the gateway nodes holding a connection of it (usually one). */
export type DeviceRoutes = Map<string, string[]>;

/** user -> their device routes, for the users that have any. */
export type RouteTable = Map<string, DeviceRoutes>;

/** One connection of a device, on gateway node `node`; `conn` is its connection id there. */
export interface DeviceRoute {
  user: string;
  device: string;
  node: string;
  /** Without one, the route stands for every connection of the device on the node. */
  conn?: string;
}

/** Whether a device was registered, and how many other devices of its user had a route. */
export interface Registration {
  registered: boolean;
  otherDevices: number;
}

/**
 * A route's hash field: the device, then the connection. A device may hold connections on
 * several gateway processes at once (a second tab, `--workers`, a balancer without affinity),
 * or two on one while it reconnects: each has its own field, so each is delivered to, and
 * closing one takes only its own route, never one a newer connection of the device just wrote.
 * Device ids never hold '@' (ids.ts); fields without one (written before) are the device alone.
 */
function routeField(route: DeviceRoute): string {
  return `${route.device}@${route.conn ?? route.node}`;
}

function deviceOfField(field: string): string {
  const at = field.indexOf('@');
  return at < 0 ? field : field.slice(0, at);
}

/** Every node a user's routes point at, once each. */
export function nodesOf(routes: DeviceRoutes): Set<string> {
  const nodes = new Set<string>();
  for (const held of routes.values()) for (const node of held) nodes.add(node);
  return nodes;
}

/**
 * Registered interest: which gateway nodes hold which device. Gateways write it as devices
 * connect and close; the fan-out reads it to publish once per node; presence reads it to tell who
 * is online. Rebuildable: a lost route costs a live delivery (the device syncs), never a message.
 */
export interface RouteRegistry {
  register(route: DeviceRoute): Promise<void>;
  /** Registers the device unless its user has `maxDevices` other devices with a route already. */
  registerWithin(
    route: DeviceRoute,
    maxDevices: number,
    alongside?: (batch: RedisBatch, route: DeviceRoute) => void,
  ): Promise<Registration>;
  /** registerWithin() for many connections at once, answered in order (an Error refuses one alone). */
  registerAllWithin(
    requests: ReadonlyArray<{ route: DeviceRoute; maxDevices: number }>,
    alongside?: (batch: RedisBatch, route: DeviceRoute) => void,
  ): Promise<Array<Registration | Error>>;
  /** Removes this connection's route; the device's other connections keep theirs. */
  unregister(route: DeviceRoute): Promise<void>;
  unregisterAll(routes: readonly DeviceRoute[], alongside?: (batch: RedisBatch) => void): Promise<void>;
  /** True when the store lost what this node wrote since its last check (which marks it again). */
  lostSinceLastCheck(node: string): Promise<boolean>;
  /** Keeps the given users' routes from expiring (a gateway calls it for all it holds). */
  refresh(users: Iterable<string>): Promise<void>;
  /** user -> (device -> nodes) for the given users that have routes. */
  lookup(users: string[], alongside?: (batch: RedisBatch) => void): Promise<RouteTable>;
}

/**
 * The route registry in Redis. A gateway records
 * route:{user} -> {device@node: node} in Redis when a device connects, and the fan-out looks the
 * members up to publish once per node (docs/decisions/0002-routing-by-registered-interest.md).
 * The value is the node so that presence reads a user's nodes with HVALS and reaps a dead node's
 * fields by value. It is rebuildable state: a lost entry costs a live delivery (the device
 * syncs), never a message.
 */
export class RedisRouteRegistry implements RouteRegistry {
  /**
   * Entries expire unless the holding gateway refreshes them (hourly). Dead gateways are reaped
   * by the presence role well before; the expiry only collects what nobody reaped.
   */
  static readonly TTL_SECONDS = 6 * 3600;

  constructor(
    private readonly redis: RedisClient,
    private readonly namespace: string,
  ) {
    // EVALSHA: every closing connection runs it, and EVAL sends and hashes the script each time.
    redis.defineCommand('chatRouteUnregister', { numberOfKeys: 1, lua: UNREGISTER_LUA });
  }

  private key(user: string): string {
    // The hash tag keeps a user's keys on one Redis Cluster slot.
    return `${this.namespace}:route:{${user}}`;
  }

  async register(route: DeviceRoute): Promise<void> {
    const key = this.key(route.user);
    await this.redis
      .multi()
      .hset(key, routeField(route), route.node)
      .expire(key, RedisRouteRegistry.TTL_SECONDS)
      .exec();
  }

  /**
   * Registers the device unless the user has `maxDevices` other devices with a route already,
   * in one round trip: the route is written together with the read of the others, and taken
   * back (if still ours) when they were too many. `alongside` adds commands to the same round trip.
   */
  async registerWithin(
    route: DeviceRoute,
    maxDevices: number,
    alongside?: (pipeline: RedisBatch, route: DeviceRoute) => void,
  ): Promise<Registration> {
    const [outcome] = await this.registerAllWithin([{ route, maxDevices }], alongside);
    if (outcome instanceof Error) throw outcome;
    return outcome!;
  }

  /**
   * registerWithin() for many connections in one round trip (devices connecting together share
   * it), answered in the order asked, each with its outcome or the Error that refused it alone.
   * Within the pipeline each registration reads the routes written before it, so two devices of
   * one user count each other as they would one after the other.
   */
  async registerAllWithin(
    requests: ReadonlyArray<{ route: DeviceRoute; maxDevices: number }>,
    alongside?: (pipeline: RedisBatch, route: DeviceRoute) => void,
  ): Promise<Array<Registration | Error>> {
    const pipeline = pipelineOf(this.redis);
    const starts: number[] = [];
    for (const { route } of requests) {
      starts.push(pipeline.length);
      const key = this.key(route.user);
      pipeline.hkeys(key).hset(key, routeField(route), route.node).expire(key, RedisRouteRegistry.TTL_SECONDS);
      alongside?.(pipeline, route);
    }
    const results = (await pipeline.exec()) ?? [];
    return Promise.all(
      requests.map(async ({ route, maxDevices }, i): Promise<Registration | Error> => {
        const own = results.slice(starts[i], starts[i + 1] ?? results.length);
        const failed = own.find(([error]) => error);
        if (failed) {
          // Part of the pipeline may have run: a route for a device that is not admitted would outlive it.
          await this.unregister(route).catch(() => {});
          return failed[0]!;
        }
        const before = (own[0]?.[1] as string[] | undefined) ?? [];
        const otherDevices = new Set(before.map(deviceOfField).filter((other) => other !== route.device)).size;
        if (otherDevices < maxDevices) return { registered: true, otherDevices };
        await this.unregister(route);
        return { registered: false, otherDevices };
      }),
    );
  }

  /**
   * Removes this connection's route; the device's other connections keep theirs. A field in the
   * earlier form (the device alone) goes too if it points at this node.
   */
  async unregister(route: DeviceRoute): Promise<void> {
    await this.redis.chatRouteUnregister(this.key(route.user), route.device, route.node, routeField(route));
  }

  /** unregister() for many connections in one round trip; `alongside` adds commands to it. */
  async unregisterAll(routes: readonly DeviceRoute[], alongside?: (pipeline: RedisBatch) => void): Promise<void> {
    const pipeline = pipelineOf(this.redis);
    for (const route of routes)
      pipeline.chatRouteUnregister(this.key(route.user), route.device, route.node, routeField(route));
    alongside?.(pipeline);
    await pipelineReplies(pipeline);
  }

  /**
   * True when Redis no longer holds this node's marker (so it lost the node's routes too: a
   * restart without persistence, a FLUSHALL, a failover to an empty replica); sets it again.
   */
  async lostSinceLastCheck(node: string): Promise<boolean> {
    const key = `${this.namespace}:gateway-marker:{${node}}`;
    // One round trip: set (and so keep alive) the marker, and learn whether it was there.
    const previous = await this.redis.set(key, String(Date.now()), 'EX', 86_400, 'GET');
    return previous === null;
  }

  /** Refreshes the expiry of the given users' routes (a gateway calls it for all it holds). */
  async refresh(users: Iterable<string>): Promise<void> {
    let pipeline = pipelineOf(this.redis);
    let queued = 0;
    for (const user of users) {
      pipeline.expire(this.key(user), RedisRouteRegistry.TTL_SECONDS);
      if (++queued === 1000) {
        await pipeline.exec();
        pipeline = pipelineOf(this.redis);
        queued = 0;
      }
    }
    if (queued > 0) await pipeline.exec();
  }

  /**
   * user -> (device -> nodes) for the given users, in one round trip. `alongside` adds commands of
   * its own to the same pipeline (after the lookups; their outcomes are not looked at here).
   */
  async lookup(users: string[], alongside?: (pipeline: RedisBatch) => void): Promise<RouteTable> {
    const routes: RouteTable = new Map();
    if (users.length === 0 && !alongside) return routes;
    const pipeline = pipelineOf(this.redis);
    for (const user of users) pipeline.hgetall(this.key(user));
    alongside?.(pipeline);
    const results = (await pipeline.exec()) ?? [];
    users.forEach((user, index) => {
      const [error, value] = results[index] ?? [];
      if (error || !value) return;
      const devices: DeviceRoutes = new Map();
      for (const [field, node] of Object.entries(value as Record<string, string>)) {
        const device = deviceOfField(field);
        const held = devices.get(device);
        if (!held) devices.set(device, [node]);
        else if (!held.includes(node)) held.push(node);
      }
      if (devices.size > 0) routes.set(user, devices);
    });
    return routes;
  }
}

// KEYS[1] route hash; ARGV[1] device, ARGV[2] node, ARGV[3] the connection's field.
const UNREGISTER_LUA = `redis.call('HDEL', KEYS[1], ARGV[3]) if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end return 0`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    chatRouteUnregister(routeKey: string, device: string, node: string, field: string): Result<unknown, Context>;
  }
}
