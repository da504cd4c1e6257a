import type { NodeRole } from '../core/registry/node-registry.js';
import { parsePromText, type PromSample } from '../sim/runner/prom-text.js';

/** What one admin listener answered: its readiness and the samples status reads. */
export interface AdminAnswer {
  url: string;
  /** /readyz or /metrics answered at all. */
  answered: boolean;
  /** /readyz said 200; false on 503, on no answer, or on an answer that is not /readyz's. */
  ready: boolean;
  /** /readyz's failing parts, or why there is no answer. */
  failing: string[];
  samples: PromSample[];
}

/** The series status shows, by role. */
const FIGURES = new Set([
  'chat_gateway_connections',
  'chat_gateway_users',
  'chat_fanout_partitions_owned',
  'chat_presence_online_users',
  'chat_presence_online_devices',
  'chat_pusher_queue_depth',
]);

/**
 * Asks one admin listener for /readyz and /metrics, each within `timeoutMs`: a node that hangs
 * (stopped with SIGSTOP, its event loop stuck) is shown as not answering instead of holding up the
 * whole status. Several nodes share a listener in `chat-node dev` (and the workers of a gateway
 * node): it is asked once, and each node's figures are picked by their `node` label.
 */
export async function probeAdmin(url: string, timeoutMs: number): Promise<AdminAnswer> {
  const get = (path: string) => fetch(`${url}${path}`, { signal: AbortSignal.timeout(timeoutMs) });
  const [readyz, metrics] = await Promise.allSettled([
    get('/readyz').then(async (response) => ({ status: response.status, body: await response.text() })),
    get('/metrics').then(async (response) =>
      response.ok ? response.text() : Promise.reject(new Error(`/metrics answered HTTP ${response.status}`)),
    ),
  ]);
  const samples = metrics.status === 'fulfilled' ? parsePromText(metrics.value, (name) => FIGURES.has(name)) : [];
  if (readyz.status === 'rejected') {
    const answered = metrics.status === 'fulfilled';
    return {
      url,
      answered,
      ready: false,
      failing: [`${answered ? '/readyz of ' : ''}${url} did not answer: ${reason(readyz.reason, timeoutMs)}`],
      samples,
    };
  }
  const body = readyAnswer(readyz.value.body);
  if (!body)
    return {
      url,
      answered: true,
      ready: false,
      failing: [`${url}/readyz answered HTTP ${readyz.value.status} without a readiness report`],
      samples,
    };
  return { url, answered: true, ready: readyz.value.status === 200 && body.ready, failing: body.failing, samples };
}

function readyAnswer(text: string): { ready: boolean; failing: string[] } | undefined {
  try {
    const parsed = JSON.parse(text) as { ready?: unknown; failing?: unknown };
    if (typeof parsed.ready !== 'boolean') return undefined;
    const failing = Array.isArray(parsed.failing) ? parsed.failing.map(String) : [];
    return { ready: parsed.ready, failing };
  } catch {
    return undefined;
  }
}

function reason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.message ?? cause?.code ?? (error instanceof Error ? error.message : String(error));
}

/** A node's figures from its listener's samples (those labelled with its node id). */
export interface NodeFigures {
  /** Gateway: open client connections and distinct users on it. */
  connections?: number;
  users?: number;
  /** Fan-out: send partitions it holds. */
  partitions?: number;
  /** Presence: users and devices online across the cluster, as this worker last counted them. */
  onlineUsers?: number;
  onlineDevices?: number;
  /** Pusher: jobs waiting per platform, as this pusher last measured its queue. */
  pushQueue?: Record<string, number>;
}

export function figuresOf(role: NodeRole, nodeId: string, samples: PromSample[]): NodeFigures {
  const mine = samples.filter((sample) => sample.labels.node === nodeId);
  const value = (name: string) => mine.find((sample) => sample.name === name)?.value;
  switch (role) {
    case 'gateway':
      return definedOnly({ connections: value('chat_gateway_connections'), users: value('chat_gateway_users') });
    case 'fanout':
      return definedOnly({ partitions: value('chat_fanout_partitions_owned') });
    case 'presence':
      return definedOnly({
        onlineUsers: value('chat_presence_online_users'),
        onlineDevices: value('chat_presence_online_devices'),
      });
    case 'pusher': {
      const queue = mine.filter(
        (sample) => sample.name === 'chat_pusher_queue_depth' && sample.labels.platform !== undefined,
      );
      return queue.length === 0
        ? {}
        : { pushQueue: Object.fromEntries(queue.map((sample) => [sample.labels.platform!, sample.value])) };
    }
  }
}

function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
