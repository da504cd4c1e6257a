import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePortRun } from '../../src/devtools/index.js';
import { ProcessCluster } from '../../src/nodes/cluster/process-cluster.js';
import type { FaultResult } from '../../src/faults/fault-result.js';
import { faultTable, pushFaultTable } from '../../src/faults/fault-table.js';
import { IsolatedCluster, SERVICES } from './isolated-cluster.js';

export interface FaultClusterOptions {
  /** Environment of single roles by node id (e.g. gateway-1's CHAT_NATS_URL through a fault proxy). */
  nodeEnv?: Record<string, Record<string, string>>;
}

/**
 * A `chat-node cluster` (2 gateways, 2 fan-outs, presence, pusher on the fakes; roles restarted
 * when they die) on the machine's services, in a database, namespace and streams of its own.
 */
export class FaultCluster {
  readonly isolated = new IsolatedCluster();
  cluster!: ProcessCluster;
  urls: string[] = [];
  readonly results: FaultResult[] = [];
  readonly log: string[] = [];

  constructor(private readonly options: FaultClusterOptions = {}) {}

  async start(): Promise<void> {
    await this.isolated.setUp();
    const port = await findFreePortRun(2);
    this.cluster = new ProcessCluster({
      dataDir: mkdtempSync(join(tmpdir(), 'chat-faults-')),
      host: '127.0.0.1',
      port,
      gateways: 2,
      gatewayWorkers: 1,
      fanouts: 2,
      presences: 1,
      push: 'fake',
      restart: true,
      nodeEnv: this.options.nodeEnv,
      input: {
        postgresUrl: this.isolated.postgresUrl,
        redisUrl: SERVICES.redis,
        natsUrl: SERVICES.nats,
        namespace: this.isolated.namespace,
        jwt: { secret: this.isolated.secret },
        sendRatePerSec: 100_000,
        sendBurst: 100_000,
        // FAULT_LOG_LEVEL=info keeps lease and partition changes in the roles' logs (in the cluster's data dir).
        logLevel: process.env.FAULT_LOG_LEVEL === 'info' ? 'info' : 'warn',
      },
      onProgress: (line) => this.log.push(line),
      onRoleExit: (line) => this.log.push(line),
    });
    await this.cluster.start();
    this.urls = this.cluster.gatewayPorts.map((p) => `ws://127.0.0.1:${p}/v1/ws`);
  }

  async stop(): Promise<void> {
    await this.cluster?.stop().catch(() => {});
    await this.isolated.tearDown();
  }

  /** Prints the table (and writes it next to the other test output when FAULT_TABLE names a file). */
  report(): void {
    if (this.results.length === 0) return;
    const pushed = this.results.some((result) => result.push);
    const table = pushed ? `${faultTable(this.results)}\n\n${pushFaultTable(this.results)}` : faultTable(this.results);
    process.stdout.write(`\n${table}\n`);
    if (process.env.FAULT_TABLE) writeFileSync(process.env.FAULT_TABLE, `${table}\n`, { flag: 'a' });
  }
}
