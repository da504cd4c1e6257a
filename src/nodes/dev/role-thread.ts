import { parentPort, workerData } from 'node:worker_threads';
import type { Registry } from 'prom-client';
import type { ClusterConfig } from '../../core/config/cluster-config.js';
import { createLogger } from '../../core/observability/logger.js';
import { createRegistry, eventLoopBusyCounter, threadCpuCounter } from '../../core/observability/metrics.js';
import type { TraceSource } from '../../core/observability/recent-traces.js';
import { FanoutNode } from '../fanout/fanout-node.js';
import { PresenceNode } from '../presence/presence-node.js';
import { startLocalFakes, type LocalFakes } from '../pusher/local-fakes.js';
import { providersOf } from '../pusher/provider-config.js';
import { PusherNode } from '../pusher/pusher-node.js';
import type { RoleThreadReply, RoleThreadRequest, RoleThreadSpec } from './role-thread-protocol.js';

/**
 * A thread of `chat-node dev` running some of its roles: the fan-out, or presence and the pusher
 * (with the local push fakes). They reach the other roles over NATS as they would from a process
 * of their own; the parent asks this thread for its metrics and message traces.
 */
const spec = workerData as RoleThreadSpec;
const port = parentPort!;
const log = createLogger('dev', spec.config.nodeId, spec.logLevel);
const registries: Registry[] = [];
const traces: TraceSource[] = [];
const stops: Array<() => Promise<void>> = [];

/** The first role's registry also carries this thread's event-loop and CPU counters. */
function registryFor(role: string, nodeId: string): Registry {
  const registry = createRegistry(role, nodeId, false);
  if (registries.length === 0) {
    eventLoopBusyCounter(registry);
    threadCpuCounter(registry);
  }
  registries.push(registry);
  return registry;
}

function roleConfig(role: string): ClusterConfig {
  return { ...spec.config, nodeId: `${spec.config.nodeId}-${role}` };
}

async function start(): Promise<void> {
  if (spec.roles.includes('fanout')) {
    const config = roleConfig('fanout');
    const fanout = new FanoutNode({
      config,
      registry: registryFor('fanout', config.nodeId),
      log: log.child({ role: 'fanout' }),
      adminUrl: spec.adminUrl,
    });
    await fanout.start();
    traces.push(fanout.traceSource);
    stops.push(() => fanout.stop());
  }
  if (spec.roles.includes('presence')) {
    const config = roleConfig('presence');
    const presence = new PresenceNode({
      config,
      registry: registryFor('presence', config.nodeId),
      log: log.child({ role: 'presence' }),
      adminUrl: spec.adminUrl,
    });
    await presence.start();
    stops.push(() => presence.stop());
  }
  if (spec.roles.includes('pusher') && spec.push === 'fake') {
    const fakes: LocalFakes = await startLocalFakes(spec.dataDir);
    const config = roleConfig('pusher');
    const pusher = new PusherNode({
      config,
      registry: registryFor('pusher', config.nodeId),
      log: log.child({ role: 'pusher' }),
      providers: providersOf(fakes.apns, fakes.fcm),
      adminUrl: spec.adminUrl,
    });
    await pusher.start();
    stops.push(async () => {
      await pusher.stop();
      await fakes.stop();
    });
  }
}

async function answer(request: RoleThreadRequest): Promise<RoleThreadReply> {
  switch (request.type) {
    case 'metrics':
      return {
        type: 'reply',
        id: request.id,
        value: (await Promise.all(registries.map((registry) => registry.metrics()))).join('\n'),
      };
    case 'trace': {
      const found = await Promise.all(
        traces.map(async (source) => ({ node: source.node, part: await source.find(request.msgId) })),
      );
      return { type: 'reply', id: request.id, value: found.filter((f) => f.part !== undefined) };
    }
    case 'stop':
      // Stopped in reverse order of starting: the pusher before the fan-out that feeds it.
      for (const stop of stops.reverse())
        await stop().catch((error: unknown) => log.error({ err: error }, 'stopping a role failed'));
      return { type: 'reply', id: request.id, value: null };
  }
}

port.on('message', (request: RoleThreadRequest) => {
  void answer(request).then((reply) => port.postMessage(reply));
});
start().then(
  () => port.postMessage({ type: 'started' } satisfies RoleThreadReply),
  (error: unknown) =>
    port.postMessage({ type: 'failed', error: (error as Error).stack ?? String(error) } satisfies RoleThreadReply),
);
