import { renderTable } from '../cli/table.js';
import type { ClusterStatus, NodeStatus, ServiceName } from './cluster-status.js';

/**
 * `chat-node status` as text: the services, the nodes (one line each), what waits in the send
 * stream, and the problems found (or that there are none). `note` says where the service URLs came
 * from when it was not the command line.
 */
export function statusLines(status: ClusterStatus, note?: string): string[] {
  const lines = [
    `chat-node status: namespace ${status.namespace}, ${status.at.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`,
  ];
  if (note) lines.push(note);
  lines.push('', ...renderTable(serviceRows(status), ['service', 'state', 'url', 'detail']).split('\n'), '');
  if (status.nodes === null) lines.push('nodes: unknown (their leases are in Redis, which does not answer)');
  else if (status.nodes.length > 0)
    lines.push(
      ...renderTable(status.nodes.map(nodeRow), [
        'role',
        'node',
        'ready',
        'figures',
        'uptime',
        'version',
        'host',
        'admin',
        'clients',
      ]).split('\n'),
    );
  else lines.push('nodes: none running');
  const backlog = status.sendStream?.backlog ?? [];
  if (backlog.length > 0) {
    const parts = backlog.map(
      (entry) =>
        `p${entry.partition} ${entry.waiting} (oldest ${entry.oldestSec} s, ${entry.owner === null ? 'no fan-out' : printable(entry.owner)})`,
    );
    lines.push('', `sends waiting for their commit: ${parts.join(', ')}`);
  }
  lines.push('');
  if (status.ok) lines.push(`all good: ${status.nodes?.length ?? 0} nodes ready`);
  else lines.push('problems:', ...status.problems.map((problem) => `  - ${printable(problem)}`));
  return lines;
}

function serviceRows(status: ClusterStatus): Array<Record<'service' | 'state' | 'url' | 'detail', string>> {
  const detail: Record<ServiceName, string> = { postgres: '', redis: '', nats: '' };
  const { schema, partitions, nodes, sendStream, pushQueue } = status;
  if (schema) {
    const version =
      schema.applied === schema.shipped
        ? `schema ${schema.applied}`
        : `schema ${schema.applied} (this chat-node ships ${schema.shipped})`;
    detail.postgres = partitions ? `${version}, ${partitions.held}/${partitions.total} send partitions held` : version;
  }
  if (nodes) detail.redis = `${nodes.length} node lease${nodes.length === 1 ? '' : 's'}`;
  if (sendStream && pushQueue) {
    const push = pushQueue.exists
      ? `${pushQueue.waiting} (${Object.entries(pushQueue.byPlatform)
          .map(([platform, n]) => `${platform} ${n}`)
          .join(', ')})`
      : 'not created';
    detail.nats = `send stream ${sendStream.exists ? sendStream.waiting : 'not created'}, push queue ${push}`;
  }
  return (Object.keys(detail) as ServiceName[]).map((name) => {
    const service = status.services[name];
    return {
      service: name,
      state: service.ok ? 'ok' : 'DOWN',
      url: service.url,
      detail: service.ok ? detail[name] : (service.error ?? ''),
    };
  });
}

function nodeRow(
  node: NodeStatus,
): Record<'role' | 'node' | 'host' | 'uptime' | 'version' | 'ready' | 'figures' | 'admin' | 'clients', string> {
  return {
    role: node.role,
    node: printable(node.nodeId),
    host: printable(node.host),
    uptime: formatUptime(node.uptimeSec),
    version: printable(node.version),
    ready: node.adminUrl === null ? '?' : !node.answered ? 'NO ANSWER' : node.ready ? 'yes' : 'NO',
    figures: node.answered ? figures(node) : '-',
    admin: printable(node.adminUrl ?? '-'),
    clients: printable(node.clientUrl ?? ''),
  };
}

function figures(node: NodeStatus): string {
  switch (node.role) {
    case 'gateway':
      return `${node.connections ?? '?'} connections, ${node.users ?? '?'} users`;
    case 'fanout': {
      const lag =
        node.lag === undefined
          ? ''
          : node.lag.waiting === 0
            ? ', lag 0'
            : `, lag ${node.lag.waiting} (oldest ${node.lag.oldestSec} s)`;
      return `${node.partitions ?? '?'} partitions${lag}`;
    }
    case 'presence':
      return `${node.onlineUsers ?? '?'} users online (${node.onlineDevices ?? '?'} devices)`;
    case 'pusher':
      return node.pushQueue
        ? `queue ${Object.entries(node.pushQueue)
            .map(([platform, n]) => `${platform} ${n}`)
            .join(', ')}`
        : 'queue not measured yet';
  }
}

/** 42s, 5m03s, 2h07m, 3d04h. */
export function formatUptime(seconds: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad(seconds % 60)}s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h${pad(Math.floor((seconds % 3600) / 60))}m`;
  return `${Math.floor(seconds / 86_400)}d${pad(Math.floor((seconds % 86_400) / 3600))}h`;
}

/** Leases are written by whoever can write to Redis: no control character of theirs reaches the terminal. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
