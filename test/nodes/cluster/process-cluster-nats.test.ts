import { describe, expect, it } from 'vitest';
import { ProcessCluster, type ProcessClusterOptions } from '../../../src/nodes/cluster/process-cluster.js';

const base: ProcessClusterOptions = {
  dataDir: '/nonexistent/chat-node-test',
  host: '127.0.0.1',
  port: 1,
  gateways: 1,
  gatewayWorkers: 1,
  fanouts: 1,
  presences: 1,
  push: 'off',
  restart: false,
  natsCluster: 3,
  input: {},
  onProgress: () => undefined,
  onRoleExit: () => undefined,
};

describe('process cluster - NATS cluster option', () => {
  it('a NATS cluster and a NATS URL together are refused before anything starts', async () => {
    await expect(new ProcessCluster({ ...base, input: { natsUrl: 'nats://127.0.0.1:4222' } }).start()).rejects.toThrow(
      /NATS URL was given/,
    );
  });

  it('more stream replicas than NATS nodes are refused before anything starts', async () => {
    await expect(new ProcessCluster({ ...base, input: { streamReplicas: 5 } }).start()).rejects.toThrow(
      /5 replicas on a 3-node/,
    );
  });

  it('NATS node faults need a NATS cluster of its own', async () => {
    const cluster = new ProcessCluster({ ...base, natsCluster: 0 });
    expect(cluster.natsNodes).toEqual([]);
    await expect(cluster.killNatsNode(0)).rejects.toThrow(/no NATS cluster of its own/);
  });
});
