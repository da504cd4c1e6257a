import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { METRICS_DOC } from './metrics-doc.js';
import { knownMetrics, promtool, unknownReferences } from './promql.js';

/**
 * The shipped Prometheus files: alerts.yml checked and unit-tested by promtool (Debian's
 * prometheus package; CI installs it), prometheus.yml checked, and each alert's metrics,
 * labels, severity, test and runbook.
 */
const DIR = fileURLToPath(new URL('../../ops/prometheus/', import.meta.url));

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: Array<{ alertname: string; exp_alerts: unknown[] }>;
}

const rules = (
  parse(readFileSync(`${DIR}alerts.yml`, 'utf8')) as { groups: Array<{ rules: AlertRule[] }> }
).groups.flatMap((group) => group.rules);
const ruleTests = (parse(readFileSync(`${DIR}alerts.test.yml`, 'utf8')) as { tests: RuleTest[] }).tests;

describe('Prometheus rules (ops/prometheus)', () => {
  it('alerts.yml passes promtool check rules', () => {
    const check = promtool(['check', 'rules', 'alerts.yml'], DIR);
    expect(check.status, check.output).toBe(0);
  });

  it('alerts.yml passes its unit tests (promtool test rules alerts.test.yml)', () => {
    const run = promtool(['test', 'rules', 'alerts.test.yml'], DIR);
    expect(run.status, run.output).toBe(0);
  });

  it('prometheus.yml passes promtool check config, with the alert rules it loads', () => {
    const check = promtool(['check', 'config', 'prometheus.yml'], DIR);
    expect(check.status, check.output).toBe(0);
    expect(check.output).toMatch(/alerts\.yml[\s\S]*SUCCESS/);
  });

  it('alerts on what the issue names: a node down or not ready, commit lag, send-stream depth, push backlog, error rates, event-loop lag', () => {
    const names = new Set(rules.map((rule) => rule.alert));
    for (const name of [
      'ChatNodeDown',
      'ChatNodeNotReady',
      'ChatCommitLag',
      'ChatSendStreamGrowing',
      'ChatPushBacklog',
      'ChatServerErrors',
      'ChatClientErrors',
      'ChatEventLoopLag',
    ]) {
      expect(names, name).toContain(name);
    }
  });

  it('uses only metrics chat-node or prom-client exports, with labels they have', () => {
    const known = knownMetrics();
    const problems = rules.flatMap((rule) =>
      unknownReferences(rule.expr, known).map((problem) => `${rule.alert}: ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it('gives every alert a for: duration, a severity, a summary, a description and a runbook section in docs/metrics.md', () => {
    const anchors = new Set(
      [...readFileSync(METRICS_DOC, 'utf8').matchAll(/^#+ (.+)$/gm)].map((heading) =>
        heading[1]!
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const rule of rules) {
      expect(rule.for, `${rule.alert} for:`).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], `${rule.alert} severity`).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, `${rule.alert} summary`).toBeTruthy();
      expect(rule.annotations?.description, `${rule.alert} description`).toBeTruthy();
      const runbook = rule.annotations?.runbook ?? '';
      expect(runbook, `${rule.alert} runbook`).toMatch(/^docs\/metrics\.md#/);
      expect(anchors, `${rule.alert}: ${runbook} is a heading of docs/metrics.md`).toContain(
        runbook.slice(runbook.indexOf('#') + 1),
      );
    }
  });

  it('has a unit test in which each alert fires', () => {
    const firing = new Set(
      ruleTests.flatMap((test) =>
        (test.alert_rule_test ?? []).filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname),
      ),
    );
    expect(rules.map((rule) => rule.alert).filter((name) => !firing.has(name))).toEqual([]);
  });
});
