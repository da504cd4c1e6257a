import { beforeAll, describe, expect, it } from 'vitest';
import { exportedMetrics, registeredInSource, type ExportedMetric } from './exported-metrics.js';
import { documentedMetrics, type DocumentedMetric } from './metrics-doc.js';

/**
 * docs/metrics.md against what the code exports: one process of each role, scraped, plus what
 * `chat-node dev` adds and every registration in the source.
 */
let exported: Map<string, ExportedMetric>;
let documented: Map<string, DocumentedMetric>;

beforeAll(async () => {
  exported = await exportedMetrics();
  documented = documentedMetrics();
}, 120_000);

const sorted = (names: Iterable<string>) => [...names].sort();

describe('metrics reference (docs/metrics.md)', () => {
  it('lists every chat_* metric the roles export, and none they do not', () => {
    expect(exported.size, 'metrics found in the roles').toBeGreaterThan(30);
    expect(sorted(documented.keys())).toEqual(sorted(exported.keys()));
  });

  it('misses no metric registered anywhere in the source', () => {
    const missing = sorted([...registeredInSource()].filter((name) => !documented.has(name)));
    expect(missing).toEqual([]);
  });

  it('gives each metric the type, labels and roles it is exported with', () => {
    const differences: string[] = [];
    for (const [name, metric] of exported) {
      const row = documented.get(name);
      if (!row) continue;
      if (row.type !== metric.type) differences.push(`${name}: type ${row.type}, exported as ${metric.type}`);
      if (sorted(row.labels).join() !== sorted(metric.labels).join())
        differences.push(`${name}: labels ${sorted(row.labels).join()}, exported with ${sorted(metric.labels).join()}`);
      if (sorted(row.roles).join() !== sorted(metric.roles).join())
        differences.push(`${name}: exported by ${sorted(row.roles).join()}, really by ${sorted(metric.roles).join()}`);
    }
    expect(differences).toEqual([]);
  });
});
