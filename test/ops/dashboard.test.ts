import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { knownMetrics, promtool, referencesOf, unknownReferences } from './promql.js';

/** The Grafana dashboard (ops/grafana/chat-node.json) against the metrics chat-node exports. */
const DASHBOARD = fileURLToPath(new URL('../../ops/grafana/chat-node.json', import.meta.url));

interface Target {
  refId: string;
  expr: string;
  datasource?: { type?: string; uid?: string };
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type?: string; uid?: string };
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  schemaVersion: number;
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; type: string; query: unknown }> };
}

const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
const queries = panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ panel, target })));

/** An expression as Prometheus receives it from Grafana: its variables given values. */
function asPrometheusSees(expr: string): string {
  return expr.replace(/\$__(rate_interval|interval|range)/g, '5m').replace(/\$\{?job\}?/g, '.*');
}

describe('Grafana dashboard (ops/grafana/chat-node.json)', () => {
  it('is a dashboard JSON model that asks for its Prometheus data source', () => {
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.uid).toBe('chat-node');
    const source = dashboard.templating.list.find((variable) => variable.type === 'datasource');
    expect(source).toMatchObject({ name: 'datasource', query: 'prometheus' });
    const ids = panels.map((panel) => panel.id);
    expect(new Set(ids).size, 'panel ids are unique').toBe(ids.length);
    for (const panel of panels) {
      expect(panel.gridPos.x + panel.gridPos.w, `${panel.title} fits the 24-column grid`).toBeLessThanOrEqual(24);
      if (panel.type === 'row') continue;
      expect(panel.datasource?.uid, `${panel.title} uses the data source variable`).toBe('${datasource}');
      expect(panel.targets?.length, `${panel.title} has queries`).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.datasource?.uid).toBe('${datasource}');
    }
  });

  it('queries only metrics chat-node or prom-client exports, with labels they have', () => {
    const known = knownMetrics();
    const problems = queries.flatMap(({ panel, target }) =>
      unknownReferences(asPrometheusSees(target.expr), known).map(
        (problem) => `${panel.title} ${target.refId}: ${problem}`,
      ),
    );
    expect(problems).toEqual([]);
  });

  it('shows what an operator looks for', () => {
    const used = new Set(
      queries.flatMap(({ target }) => referencesOf(target.expr).selectors.map((selector) => selector.metric)),
    );
    const wanted = [
      'chat_fanout_messages_committed_total',
      'chat_gateway_ack_seconds_bucket',
      'chat_gateway_hop_seconds_bucket',
      'chat_fanout_hop_seconds_bucket',
      'chat_gateway_connections',
      'chat_gateway_users',
      'chat_presence_online_users',
      'chat_fanout_commit_lag_seconds',
      'chat_fanout_send_stream_messages',
      'chat_pusher_sent_total',
      'chat_pusher_failed_total',
      'chat_pusher_queue_depth',
      'chat_presence_changes_total',
      'chat_gateway_error_frames_total',
      'process_cpu_seconds_total',
      'nodejs_eventloop_lag_p99_seconds',
      'chat_ready',
    ];
    expect(wanted.filter((metric) => !used.has(metric))).toEqual([]);
  });

  it('has only expressions Prometheus parses (promtool check rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'chat-dashboard-'));
    try {
      // Each query as a recording rule: promtool parses every expression of a rules file.
      const rules = queries.map(({ panel, target }) => ({
        record: `dashboard:panel_${panel.id}_${target.refId}`,
        expr: asPrometheusSees(target.expr),
      }));
      writeFileSync(join(dir, 'dashboard.rules.yml'), stringify({ groups: [{ name: 'dashboard', rules }] }));
      const check = promtool(['check', 'rules', 'dashboard.rules.yml'], dir);
      expect(check.status, check.output).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
