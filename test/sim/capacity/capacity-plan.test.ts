import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPACITY_INPUTS, measuredFromReport, planCapacity } from '../../../src/sim/capacity/capacity-plan.js';

describe('plan - capacity arithmetic', () => {
  it("the defaults reproduce the design brief's numbers", () => {
    const plan = planCapacity(DEFAULT_CAPACITY_INPUTS);
    expect(plan.messagesPerDay).toBe(250_000_000);
    expect(Math.round(plan.averageMessagesPerSec)).toBe(2894);
    expect(Math.round(plan.peakMessagesPerSec)).toBe(28_935);
    expect(plan.storagePerDayBytes).toBe(250e9);
    expect(Math.round(plan.storageRetentionBytes / 1e12)).toBe(913);
  });

  it('node counts keep the headroom and round up', () => {
    const plan = planCapacity({
      ...DEFAULT_CAPACITY_INPUTS,
      dau: 1_000_000,
      peakOnlineShare: 0.5,
      devicesPerUser: 2,
      connectionsPerGatewayNode: 100_000,
      headroom: 0.5,
    });
    // 1M connections at 50 % of 100k per node: 20 nodes.
    expect(plan.peakConnections).toBe(1_000_000);
    expect(plan.gatewayNodes).toBe(20);
    expect(plan.natsServers % 2).toBe(1);
    expect(plan.natsServers).toBeGreaterThanOrEqual(3);
  });

  it('a report supplies the measured memory per connection, when it held enough connections', () => {
    expect(measuredFromReport({ nodes: [{ connections: 2000, rssBytesPerConnection: 11_000 }] })).toEqual({
      bytesPerConnection: 11_000,
    });
    expect(measuredFromReport({ nodes: [{ connections: 26, rssBytesPerConnection: 200_000 }] })).toEqual({});
    // A rate sweep's summary: the highest rate held within the SLOs; a sweep that held none says nothing.
    expect(measuredFromReport({ highestPassingRate: 4000 })).toEqual({ messagesPerFanoutNode: 4000 });
    expect(measuredFromReport({ highestPassingRate: null })).toEqual({});
  });
});
