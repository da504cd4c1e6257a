import type { JetStreamClient } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import { encodeJson } from '../../core/bus/envelopes.js';
import type { Subjects } from '../../core/bus/subjects.js';
import type { PresenceStore } from '../../core/presence/presence-store.js';
import type { Message } from '../../core/protocol/server-frames.js';
import type { PushPolicy } from '../../core/push/push-job.js';
import { planPushes } from './push-planner.js';
import { nodesOf, type RouteTable } from '../../core/routing/route-registry.js';
import type { PushRegistration } from '../../core/storage/push-store.js';
import type { FanoutMetrics } from './fanout-metrics.js';
import { settleWithin } from './settle-within.js';

/** How long the presence reads of a push decision may take (Redis) before it goes on without them. */
const PRESENCE_TIMEOUT_MS = 1000;

/** Replays older than this were delivered before: they do not push again. */
const REPLAY_PUSH_WINDOW_MS = 120_000;

/**
 * After a batch is committed and delivered: decides which offline devices get a push for which
 * message (planPushes) and puts the jobs on the push work queue. It returns once JetStream has
 * them, so the fan-out acks its sends only when the push jobs are durable.
 */
export class PushEnqueuer {
  private alive = { at: 0, nodes: new Set<string>() };

  constructor(
    private readonly deps: {
      js: JetStreamClient;
      subjects: Subjects;
      presence: PresenceStore;
      policy: PushPolicy;
      activeWindowSec: number;
      metrics: FanoutMetrics;
      log: Logger;
      presenceTimeoutMs?: number;
    },
  ) {}

  /**
   * `committed` carries each room's push registrations as its commit read them. `routes` is
   * undefined when the delivery could not read them (Redis out of reach): nobody can tell who is
   * connected then, so every registered device of the members gets its push (a device that got
   * the message live too shows one notification more; one that was offline is not left without).
   * Presence (Redis) that does not answer is taken the same way: it must not hold the sends' acks.
   */
  async enqueue(
    committed: Array<{ message: Message; replay: boolean; members: string[]; registrations: PushRegistration[] }>,
    known: RouteTable | undefined,
  ): Promise<void> {
    const now = Date.now();
    const eligible = committed.filter((c) => !c.replay || now - c.message.ts < REPLAY_PUSH_WINDOW_MS);
    if (eligible.length === 0) return;
    const membersByRoom = new Map(eligible.map((c) => [c.message.room, c.members]));
    const registrations = uniqueRegistrations(
      eligible.flatMap((c) => c.registrations.filter((r) => r.user !== c.message.sender)),
    );
    if (registrations.length === 0) return;
    const routes: RouteTable = known ?? (new Map() as RouteTable);
    const presence = known
      ? await this.presenceOf(
          registrations.map((r) => r.user),
          routes,
          now,
        )
      : undefined;
    const offlineReason = presence ? 'offline' : 'presence-unknown';
    const plan = planPushes({
      messages: eligible.map((c) => c.message),
      membersByRoom,
      routes,
      aliveNodes: presence?.aliveNodes ?? new Set(),
      registrations,
      policy: this.deps.policy,
      activeUsers: presence?.activeUsers ?? new Set(),
    });
    for (const suppressed of plan.suppressed) {
      this.deps.metrics.pushDecisions.inc({ decision: 'suppressed', reason: suppressed.reason });
      this.deps.log.debug({ push: 'suppressed', ...suppressed }, 'push decision');
    }
    await Promise.all(
      plan.jobs.map((job) => {
        this.deps.metrics.pushDecisions.inc({ decision: 'sent', reason: offlineReason });
        this.deps.log.debug(
          { push: 'queued', user: job.user, device: job.device, room: job.room, seq: job.seq },
          'push decision',
        );
        return this.deps.js.publish(this.deps.subjects.push(job.platform), encodeJson(job), {
          msgID: `${job.msgId}:${job.user}:${job.device}`,
        });
      }),
    );
  }

  /** Who is connected or active, from Redis; undefined when it did not answer in time. */
  private async presenceOf(
    users: string[],
    routes: RouteTable,
    now: number,
  ): Promise<{ aliveNodes: Set<string>; activeUsers: Set<string> } | undefined> {
    const read = async () => {
      const aliveNodes = await this.aliveNodes(now);
      const activeUsers =
        this.deps.policy === 'hold-while-active'
          ? await this.activeUsers(users, routes, aliveNodes, now)
          : new Set<string>();
      return { aliveNodes, activeUsers };
    };
    const outcome = await settleWithin(read(), this.deps.presenceTimeoutMs ?? PRESENCE_TIMEOUT_MS);
    if (outcome.kind === 'value') return outcome.value;
    this.deps.log.warn(
      { reason: outcome.kind === 'timeout' ? 'no answer in time' : (outcome.error as Error).message },
      'presence unreadable: deciding pushes as if every device were offline',
    );
    return undefined;
  }

  private async aliveNodes(now: number): Promise<Set<string>> {
    if (now - this.alive.at > 1000) this.alive = { at: now, nodes: new Set(await this.deps.presence.aliveNodes(now)) };
    return this.alive.nodes;
  }

  /** Users with a connected device, or seen within the policy's window. */
  private async activeUsers(
    users: string[],
    routes: RouteTable,
    aliveNodes: Set<string>,
    now: number,
  ): Promise<Set<string>> {
    const active = new Set<string>();
    const unknown: string[] = [];
    for (const user of new Set(users)) {
      const devices = routes.get(user);
      if (devices && [...nodesOf(devices)].some((node) => aliveNodes.has(node))) active.add(user);
      else unknown.push(user);
    }
    const seen = await this.deps.presence.lastSeenOf(unknown);
    for (const [user, at] of seen) if (now - at <= this.deps.activeWindowSec * 1000) active.add(user);
    return active;
  }
}

/** Each (user, device) once: rooms of one batch share members, and each room brought its own copy. */
function uniqueRegistrations(registrations: PushRegistration[]): PushRegistration[] {
  const byDevice = new Map<string, PushRegistration>();
  for (const registration of registrations) byDevice.set(`${registration.user}\n${registration.device}`, registration);
  return [...byDevice.values()];
}
