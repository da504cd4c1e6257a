import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import Plan from '../../src/commands/plan.js';
import {
  DEFAULT_CAPACITY_INPUTS,
  type CapacityInputs,
  type CapacityPlan,
} from '../../src/sim/capacity/capacity-plan.js';
import { runCommand } from '../support/run-command.js';

describe('plan', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const planned = async (argv: string[]) => {
    const run = await runCommand(Plan, [...argv, '--json']);
    expect(run.code, run.stderr).toBe(0);
    return JSON.parse(run.stdout) as { inputs: CapacityInputs; plan: CapacityPlan };
  };

  it("plans the design brief's defaults: 50 M daily users, 250 M messages a day, about 29,000 messages/s at peak", async () => {
    const { inputs, plan } = await planned([]);
    expect(inputs).toEqual(DEFAULT_CAPACITY_INPUTS);
    expect(plan.messagesPerDay).toBe(250_000_000);
    expect(plan.peakMessagesPerSec).toBeCloseTo(28_935.2, 1);
    expect(plan.peakDeliveriesPerSec).toBeCloseTo(72_338, 0);
    expect(plan.storagePerDayBytes).toBe(250_000_000_000);
    expect(plan.peakConnections).toBe(30_000_000);
    // 30 M connections at 200,000 a node with 30% headroom: ceil(30e6 / 140,000).
    expect(plan.gatewayNodes).toBe(215);
  });

  it('takes assumptions from flags (underscores allowed), and a flag wins over a report', async () => {
    const report = join(dir, 'sweep.json');
    writeFileSync(report, JSON.stringify({ highestPassingRate: 8000 }));
    const { inputs, plan } = await planned([
      '--dau',
      '1_000_000',
      '--messages-per-user-per-day',
      '20',
      '--headroom',
      '0',
      '--report',
      report,
      '--messages-per-fanout-node',
      '1000',
    ]);
    expect(inputs.dau).toBe(1_000_000);
    expect(inputs.messagesPerFanoutNode).toBe(1000);
    expect(plan.messagesPerDay).toBe(20_000_000);
    // 20 M a day, peak 10x: ~2,315 messages/s, at 1,000 a node.
    expect(plan.fanoutNodes).toBe(3);
  });

  it("takes measured figures from reports: the largest node's memory per connection, a sweep's highest passing rate", async () => {
    const scenario = join(dir, 'connections.json');
    writeFileSync(
      scenario,
      JSON.stringify({
        nodes: [
          { connections: 50_000, rssBytesPerConnection: 6000 },
          { connections: 50_000, rssBytesPerConnection: 7000 },
          // Too few connections to say anything per connection.
          { connections: 10, rssBytesPerConnection: 900_000 },
          { connections: 50_000, rssBytesPerConnection: null },
        ],
      }),
    );
    const sweep = join(dir, 'rate-sweep.json');
    writeFileSync(sweep, JSON.stringify({ highestPassingRate: 12_000 }));
    const { inputs } = await planned(['--report', scenario, '--report', sweep]);
    expect(inputs.bytesPerConnection).toBe(7000);
    expect(inputs.messagesPerFanoutNode).toBe(12_000);
    expect(inputs.connectionsPerGatewayNode).toBe(DEFAULT_CAPACITY_INPUTS.connectionsPerGatewayNode);
  });

  it('prints a table of the plan for people', async () => {
    const { code, stdout } = await runCommand(Plan, ['--dau', '1000000']);
    expect(code).toBe(0);
    expect(stdout).toContain('capacity for 1,000,000 daily users (5 messages/user/day, peak 10x, 30% headroom)');
    expect(stdout).toMatch(/messages per day\s+5,000,000/);
    expect(stdout).toMatch(/storage per day\s+5\.0 GB\s+1000 B per message/);
    expect(stdout).toMatch(/gateway nodes\s+5\s+200,000 connections each/);
    // R3 streams need three servers, however small the load.
    expect(stdout).toMatch(/NATS servers\s+3\s+R3 streams/);
  });

  it('refuses a negative or non-numeric assumption and an unreadable report with exit 2', async () => {
    const negative = await runCommand(Plan, ['--dau', '-5']);
    expect(negative.code).toBe(2);
    expect(negative.stderr).toContain('--dau must be a number >= 0, got -5');
    const word = await runCommand(Plan, ['--peak-factor', 'lots']);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('--peak-factor must be a number >= 0, got lots');
    const missing = await runCommand(Plan, ['--report', join(dir, 'nope.json')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`cannot read the report ${join(dir, 'nope.json')}`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ not json');
    const notJson = await runCommand(Plan, ['--report', broken]);
    expect(notJson.code).toBe(2);
    expect(notJson.stderr).toContain(`cannot read the report ${broken}`);
  });
});
