import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const METRICS_DOC = fileURLToPath(new URL('../../docs/metrics.md', import.meta.url));

/** One row of the table in docs/metrics.md. */
export interface DocumentedMetric {
  name: string;
  type: string;
  labels: Set<string>;
  roles: Set<string>;
}

const ALL_ROLES = ['gateway', 'fanout', 'presence', 'pusher'];

/** The rows of docs/metrics.md's table of `chat_*` metrics: | metric | type | labels | exported by | meaning |. */
export function documentedMetrics(text = readFileSync(METRICS_DOC, 'utf8')): Map<string, DocumentedMetric> {
  const documented = new Map<string, DocumentedMetric>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('| `chat_')) continue;
    const cells = line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim());
    if (cells.length !== 5) continue;
    const [metric, type, labels, roles] = cells as [string, string, string, string];
    const name = metric.replace(/`/g, '');
    if (documented.has(name)) throw new Error(`docs/metrics.md lists ${name} twice`);
    documented.set(name, {
      name,
      type,
      labels: new Set([...labels.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]!)),
      roles: new Set(roles === 'every role' ? ALL_ROLES : roles.split(',').map((role) => role.trim())),
    });
  }
  return documented;
}
