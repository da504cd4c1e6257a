import type { NodeRecord, NodeRole } from '../core/registry/node-registry.js';
import { figuresOf, type AdminAnswer, type NodeFigures } from './node-probe.js';
import type { PushQueueFigures, SendStreamFigures } from '../core/bus/stream-figures.js';

export type ServiceName = 'postgres' | 'redis' | 'nats';

/** Where status took a service's URL from. */
export type UrlSource = 'given' | 'members file' | 'default';

export interface ServiceState {
  /** Redacted: no password or token. */
  url: string;
  from: UrlSource;
  ok: boolean;
  /** Why it does not answer. */
  error?: string;
}

/** One node of the cluster, from its lease and its admin listener. */
export interface NodeStatus extends NodeFigures {
  role: NodeRole;
  nodeId: string;
  host: string;
  pid: number;
  version: string;
  startedAt: string;
  uptimeSec: number;
  /** null: the node has no admin listener, so nothing more is known of it. */
  adminUrl: string | null;
  clientUrl?: string;
  answered: boolean;
  ready: boolean;
  failing: string[];
  /** Fan-out: sends of the partitions it holds still waiting for their commit, and the age of the oldest. */
  lag?: { waiting: number; oldestSec: number };
}

export interface SchemaStatus {
  /** Newest migration applied to the database (0: none). */
  applied: number;
  /** Newest migration this chat-node ships. */
  shipped: number;
  /** Shipped migrations not applied yet. */
  pending: string[];
}

/** What `chat-node status --json` prints. */
export interface ClusterStatus {
  at: string;
  namespace: string;
  /** No problem found. */
  ok: boolean;
  problems: string[];
  services: Record<ServiceName, ServiceState>;
  schema: SchemaStatus | null;
  /** null: unknown (Redis, where the leases are, does not answer). */
  nodes: NodeStatus[] | null;
  /** Send partitions with a live fan-out lease (Postgres). */
  partitions: { total: number; held: number; unowned: number[] } | null;
  sendStream:
    | (Omit<SendStreamFigures, 'backlog'> & {
        backlog: Array<{ partition: number; waiting: number; oldestSec: number; owner: string | null }>;
      })
    | null;
  pushQueue: PushQueueFigures | null;
}

/** A send partition's live lease holder (the fan-out's node id), or null when none holds it. */
export interface PartitionOwner {
  partition: number;
  owner: string | null;
}

/** What the collector gathered from the services and the nodes, before it is judged. */
export interface StatusParts {
  now: number;
  /** The hostname of the machine status runs on. */
  localHost: string;
  namespace: string;
  partitions: number;
  services: Record<ServiceName, ServiceState>;
  nodes?: NodeRecord[];
  /** Admin listeners' answers, by URL. */
  answers: Map<string, AdminAnswer>;
  schema?: SchemaStatus;
  owners?: PartitionOwner[];
  sendStream?: SendStreamFigures;
  pushQueue?: PushQueueFigures;
}

const ROLE_DUTY: Record<NodeRole, string> = {
  gateway: 'clients cannot connect',
  fanout: 'sends are neither committed nor acked',
  presence: 'presence changes are not published',
  pusher: 'push jobs stay queued',
};

/**
 * Whether status can ask a node's admin listener from `localHost`: not when it listens on the
 * loopback of another machine (the default, 127.0.0.1), where the same URL would reach a listener
 * of this machine instead, maybe another node's.
 */
export function reachable(record: NodeRecord, localHost: string): boolean {
  if (record.adminUrl === undefined || record.host === localHost) return true;
  const host = URL.canParse(record.adminUrl) ? new URL(record.adminUrl).hostname : '';
  return !(host === 'localhost' || host === '[::1]' || host.startsWith('127.'));
}

function elsewhere(record: NodeRecord): AdminAnswer {
  const failing = [
    `its admin listener ${record.adminUrl} is on the loopback of ${record.host}: run status there, or bind it to an address this machine reaches`,
  ];
  return { url: record.adminUrl ?? '', answered: false, ready: false, failing, samples: [] };
}

/** Puts the parts together and lists what is wrong. */
export function composeStatus(parts: StatusParts): ClusterStatus {
  const { now, services } = parts;
  const ageSec = (at: number) => Math.max(0, Math.round((now - at) / 100) / 10);
  const held = parts.owners?.filter((owner) => owner.owner !== null);
  const backlog = parts.sendStream?.backlog.map((entry) => ({
    partition: entry.partition,
    waiting: entry.waiting,
    oldestSec: ageSec(entry.oldestAt),
    owner: parts.owners?.find((owner) => owner.partition === entry.partition)?.owner ?? null,
  }));
  const nodes = parts.nodes?.map((record): NodeStatus => {
    const answer = !reachable(record, parts.localHost)
      ? elsewhere(record)
      : record.adminUrl === undefined
        ? undefined
        : parts.answers.get(record.adminUrl);
    const status: NodeStatus = {
      role: record.role,
      nodeId: record.nodeId,
      host: record.host,
      pid: record.pid,
      version: record.version,
      startedAt: new Date(record.startedAt).toISOString(),
      uptimeSec: Math.max(0, Math.floor((now - record.startedAt) / 1000)),
      adminUrl: record.adminUrl ?? null,
      ...(record.clientUrl === undefined ? {} : { clientUrl: record.clientUrl }),
      answered: answer?.answered ?? false,
      ready: answer?.ready ?? false,
      failing: answer?.failing ?? (record.adminUrl === undefined ? ['no admin listener to ask'] : []),
      ...figuresOf(record.role, record.nodeId, answer?.samples ?? []),
    };
    if (record.role === 'fanout' && parts.owners && parts.sendStream) {
      const mine = new Set(
        parts.owners.filter((owner) => owner.owner === record.nodeId).map((owner) => owner.partition),
      );
      const waiting = (backlog ?? []).filter((entry) => mine.has(entry.partition));
      status.lag = {
        waiting: waiting.reduce((sum, entry) => sum + entry.waiting, 0),
        oldestSec: Math.max(0, ...waiting.map((entry) => entry.oldestSec)),
      };
    }
    return status;
  });
  const status: ClusterStatus = {
    at: new Date(now).toISOString(),
    namespace: parts.namespace,
    ok: true,
    problems: [],
    services,
    schema: parts.schema ?? null,
    nodes: nodes ?? null,
    partitions: held
      ? {
          total: parts.partitions,
          held: held.length,
          unowned: parts.owners!.filter((owner) => owner.owner === null).map((owner) => owner.partition),
        }
      : null,
    sendStream: parts.sendStream && backlog ? { ...parts.sendStream, backlog } : null,
    pushQueue: parts.pushQueue ?? null,
  };
  status.problems = problemsOf(status);
  status.ok = status.problems.length === 0;
  return status;
}

/** What an operator should look at, most basic first: services, then nodes, then the data path. */
function problemsOf(status: ClusterStatus): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(status.services)) {
    if (!service.ok) problems.push(`${name} does not answer at ${service.url}: ${service.error ?? 'unknown error'}`);
  }
  if (!status.services.redis.ok) problems.push('the nodes cannot be listed: their leases are in Redis');
  const { schema, nodes } = status;
  if (schema && schema.applied < schema.shipped)
    problems.push(
      `the database schema is at version ${schema.applied}, this chat-node ships ${schema.shipped}: run chat-node migrate (pending: ${schema.pending.join(', ')})`,
    );
  if (schema && schema.applied > schema.shipped)
    problems.push(
      `the database schema is at version ${schema.applied}, newer than this chat-node's ${schema.shipped}: this status comes from an older chat-node`,
    );
  if (nodes && nodes.length === 0) {
    problems.push(
      `no node of namespace ${status.namespace} is running (no live lease in Redis at ${status.services.redis.url}): start one with chat-node dev or chat-node cluster, or pass the cluster's --namespace`,
    );
    return problems;
  }
  if (nodes) {
    for (const role of Object.keys(ROLE_DUTY) as NodeRole[]) {
      if (!nodes.some((node) => node.role === role)) problems.push(`no ${role} node is running: ${ROLE_DUTY[role]}`);
    }
    for (const node of nodes) {
      if (node.adminUrl === null) problems.push(`${node.nodeId}: no admin listener, so its readiness is unknown`);
      else if (!node.answered) problems.push(`${node.nodeId}: ${node.failing.join('; ')}`);
      else if (!node.ready)
        problems.push(`${node.nodeId}: not ready${node.failing.length > 0 ? ` (${node.failing.join(', ')})` : ''}`);
    }
  }
  if (status.partitions && status.partitions.unowned.length > 0) {
    const stranded =
      status.sendStream?.backlog
        .filter((entry) => entry.owner === null)
        .reduce((sum, entry) => sum + entry.waiting, 0) ?? 0;
    problems.push(
      `send partitions ${status.partitions.unowned.join(', ')} have no fan-out (${status.partitions.held}/${status.partitions.total} held)${stranded > 0 ? `: ${stranded} sends wait on them` : ''}`,
    );
  }
  if (status.services.nats.ok && status.sendStream && !status.sendStream.exists)
    problems.push(
      `the send stream ${status.sendStream.stream} does not exist: no gateway or fan-out of namespace ${status.namespace} has started`,
    );
  return problems;
}
