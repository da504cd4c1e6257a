import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../src/core/config/cluster-config.js';
import { settingFlags } from '../../../src/sim/runner/local-cluster.js';
import { CLUSTER_DEFAULTS, parseScenario, ScenarioError } from '../../../src/sim/scenario/index.js';
import { yamlWith } from './helpers.js';

function errorOf(text: string): ScenarioError {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    return error as ScenarioError;
  }
  throw new Error('expected the scenario to be refused');
}

describe('scenario cluster settings', () => {
  it('durations become milliseconds; unset ones are left to the cluster', () => {
    expect(
      parseScenario(yamlWith('cluster:\n  heartbeatMs: 30s\n  presenceTimeoutMs: 1m30s\n'), 'x.yaml').cluster,
    ).toEqual({ heartbeatMs: 30_000, presenceTimeoutMs: 90_000 });
    expect(parseScenario(yamlWith('cluster: { presenceTimeoutMs: 45000 }\n'), 'x.yaml').cluster).toEqual({
      presenceTimeoutMs: 45_000,
    });
    expect(parseScenario(yamlWith(), 'x.yaml').cluster).toEqual({});
  });

  it('they reach the local cluster as the flags dev and cluster take', () => {
    expect(settingFlags({ heartbeatMs: 30_000, presenceTimeoutMs: 90_000 })).toEqual([
      '--heartbeat-ms',
      '30000',
      '--presence-timeout-ms',
      '90000',
    ]);
    expect(settingFlags({})).toEqual([]);
  });

  it('a timeout shorter than two heartbeats is refused at the timeout, with the line', () => {
    const error = errorOf(yamlWith('cluster:\n  heartbeatMs: 30s\n  presenceTimeoutMs: 45s\n'));
    expect(error.field).toBe('cluster.presenceTimeoutMs');
    expect(error.line).toBe(5);
    expect(error.message).toContain('expected at least 2 heartbeats (1m)');
    expect(error.got).toBe('45s');
  });

  it("a long heartbeat against the cluster's default timeout asks for the timeout too", () => {
    const error = errorOf(yamlWith('cluster:\n  heartbeatMs: 20s\n'));
    expect(error.field).toBe('cluster.heartbeatMs');
    expect(error.line).toBe(4);
    expect(error.message).toContain("the cluster's default, 30s: set cluster.presenceTimeoutMs too");
    // 15 s is half of the default 30 s timeout: allowed.
    expect(parseScenario(yamlWith('cluster: { heartbeatMs: 15s }\n'), 'x.yaml').cluster.heartbeatMs).toBe(15_000);
  });

  it('zero, a bad duration and an unknown field are refused by name', () => {
    expect(errorOf(yamlWith('cluster: { heartbeatMs: 0 }\n')).message).toContain(
      'cluster.heartbeatMs: expected a duration above 0, got 0',
    );
    expect(errorOf(yamlWith('cluster: { heartbeatMs: soon }\n')).field).toBe('cluster.heartbeatMs');
    const typo = errorOf(yamlWith('cluster:\n  heartbeat: 30s\n'));
    expect(typo.field).toBe('cluster.heartbeat');
    expect(typo.message).toContain('unknown field; expected one of heartbeatMs, presenceTimeoutMs');
  });

  it("the defaults the rule assumes are the cluster's own", () => {
    const config = resolveConfig('gateway', {
      postgresUrl: 'postgres://x',
      redisUrl: 'redis://x',
      natsUrl: 'nats://x',
    });
    expect({ heartbeatMs: config.heartbeatMs, presenceTimeoutMs: config.presenceTimeoutMs }).toEqual(CLUSTER_DEFAULTS);
  });
});
