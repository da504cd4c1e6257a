import { describe, expect, it } from 'vitest';
import { gatewayProcesses, nodeOf } from '../../../src/sim/runner/node-metrics.js';
import { nodeSlos, perConnection } from '../../../src/sim/runner/sim-report.js';

/** What /metrics of a `gateway --workers 2` node serves: every worker's series, plus another role's. */
const WORKERS_TEXT = [
  '# HELP chat_gateway_connections Connections held',
  'chat_gateway_connections{role="gateway",node="gateway-1-w2"} 15237',
  'chat_gateway_connections{role="gateway",node="gateway-1-w1"} 14763',
  'process_resident_memory_bytes{role="gateway",node="gateway-1-w1"} 198180864',
  'process_resident_memory_bytes{role="gateway",node="gateway-1-w2"} 305135616',
  'process_resident_memory_bytes{role="fanout",node="fanout-1"} 99999999',
].join('\n');

describe('gateway node figures', () => {
  it('the workers behind one port make one node named after their common id, with each worker kept', () => {
    const node = nodeOf('http://127.0.0.1:8080/metrics', gatewayProcesses(WORKERS_TEXT));
    expect(node.node).toBe('gateway-1');
    expect(node.connections).toBe(30_000);
    expect(node.rssBytes).toBe(198180864 + 305135616);
    expect(node.processes.map((p) => [p.process, p.connections])).toEqual([
      ['gateway-1-w1', 14763],
      ['gateway-1-w2', 15237],
    ]);
  });

  it('a single-process node keeps its own id; processes of different nodes on one URL are named by the URL', () => {
    expect(nodeOf('u', [{ process: 'gateway-a', connections: 5, rssBytes: 1 }]).node).toBe('gateway-a');
    const mixed = nodeOf('http://lb/metrics', [
      { process: 'gateway-a', connections: 5, rssBytes: 1 },
      { process: 'gateway-b', connections: 7, rssBytes: 1 },
    ]);
    expect(mixed.node).toBe('http://lb/metrics');
    expect(mixed.connections).toBe(12);
  });

  it('memory per connection is the growth of the node as a whole over the connections it gained', () => {
    const before = nodeOf('u', [
      { process: 'g-w1', connections: 0, rssBytes: 100 * 2 ** 20 },
      { process: 'g-w2', connections: 0, rssBytes: 100 * 2 ** 20 },
    ]);
    const steady = nodeOf('u', [
      { process: 'g-w1', connections: 10_000, rssBytes: 200 * 2 ** 20 },
      { process: 'g-w2', connections: 10_000, rssBytes: 140 * 2 ** 20 },
    ]);
    expect(perConnection(steady, before)).toBe(Math.round((140 * 2 ** 20) / 20_000));
    expect(perConnection(steady, undefined)).toBeNull();
    expect(perConnection(before, steady)).toBeNull();
  });

  it('node SLOs - the fewest connections of any node is checked against minConnectionsPerNode, the most against max', () => {
    const node = (name: string, connections: number) => ({
      node: name,
      connections,
      rssBytes: 0,
      processes: [],
      rssBytesPerConnection: 4000,
    });
    const rows = nodeSlos([node('a', 40_000), node('b', 60_000)], {
      minConnectionsPerNode: 50_000,
      maxConnectionsPerNode: 60_000,
      maxBytesPerConnection: 4096,
    });
    expect(rows).toEqual([
      { name: 'connections per node (max)', target: '<= 60000', measured: '60000', pass: true },
      { name: 'connections per node (min)', target: '>= 50000', measured: '40000', pass: false },
      { name: 'RSS bytes per connection', target: '<= 4096 B', measured: '4000 B', pass: true },
    ]);
    expect(nodeSlos([], { minConnectionsPerNode: 1 })[0]).toMatchObject({ measured: '0', pass: false });
  });
});
