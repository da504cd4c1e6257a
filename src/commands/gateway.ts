import { Command } from '@oclif/core';
import { settingFlags, startupConfigOf } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { createLogger } from '../core/observability/logger.js';
import { createRegistry } from '../core/observability/metrics.js';
import { GatewayNode } from '../nodes/gateway/gateway-node.js';
import { findFreePort } from '../devtools/free-port.js';
import {
  isGatewayWorker,
  onSupervisorStop,
  superviseGatewayWorkers,
  workerAdminPort,
  workerIndex,
  workerMetrics,
} from '../nodes/gateway/gateway-workers.js';

export default class Gateway extends Command {
  static override summary = 'Run a gateway: holds client WebSocket and long-poll sessions, delivers frames';
  static override description = [
    'Serves the v1 protocol at ws://HOST:PORT/v1/ws (subprotocol chat.v1), the same frames over HTTP long-polling (POST /v1/sessions, GET /v1/poll, POST /v1/frames) for clients that cannot hold a WebSocket, and /healthz (liveness).',
    '/metrics, /readyz and /trace are on the admin listener (--admin-port, on 127.0.0.1 unless --admin-host says otherwise), never on the client port; one readiness check runs at a time however many probes arrive.',
    'On SIGTERM it drains: every client gets a goaway frame with a jittered reconnect delay, then the socket closes with 1012.',
    'With --workers N it runs N gateway processes behind the one port (one per core; each holds up to ~19.9k sockets here), restarts a worker that dies, and /metrics reports every worker (series labelled node=<node>-w<i>).',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> gateway --port 8080 --workers 4',
    {
      description: 'Admin listener on a private address, for Prometheus to scrape 10.0.0.5:9089',
      command: '<%= config.bin %> gateway --port 8080 --admin-port 9089 --admin-host 10.0.0.5',
    },
    {
      description: 'Services and the HS256 secret from the environment',
      command:
        'CHAT_POSTGRES_URL=postgres://... CHAT_REDIS_URL=redis://...\nCHAT_NATS_URL=nats://... CHAT_JWT_SECRET=... <%= config.bin %> gateway',
    },
  ];
  static override flags = settingFlags('gateway');

  async run(): Promise<void> {
    const { config, settings } = startupConfigOf(this, 'gateway', await this.parse(Gateway));
    const workers = settings.integer('workers')!;
    const port = settings.integer('port')!;
    const host = settings.string('host')!;
    const adminHost = settings.string('adminHost')!;
    if (workers < 1) this.error('--workers must be 1 or more', { exit: 2 });
    if (workers > 1 && !isGatewayWorker()) {
      const log = createLogger('gateway', config.nodeId, config.logLevel);
      // Workers share the node id as a prefix; each appends its index.
      const adminPort =
        settings.integer('adminPort') === 0 ? await findFreePort(adminHost) : settings.integer('adminPort')!;
      await superviseGatewayWorkers(workers, log, { CHAT_NODE_ID: config.nodeId }, adminPort);
      return;
    }
    const worker = isGatewayWorker();
    const nodeConfig = worker ? { ...config, nodeId: `${config.nodeId}-w${workerIndex()}` } : config;
    const log = createLogger('gateway', nodeConfig.nodeId, config.logLevel);
    const registry = createRegistry('gateway', nodeConfig.nodeId);
    const metricsText = worker ? workerMetrics([registry]) : undefined;
    const adminPort = worker ? workerAdminPort() : settings.integer('adminPort')!;
    const node = await GatewayNode.create({
      config: nodeConfig,
      log,
      port,
      host,
      adminPort,
      adminHost,
      registry,
      metricsText,
    });
    await node.start();
    if (!worker) {
      await untilSignal(() => node.stop());
      return;
    }
    // A worker stops when its primary says so (or dies); signals to the whole process group are
    // the primary's to handle, so a worker never skips its drain on a second signal.
    await new Promise<void>((resolve) => {
      onSupervisorStop(resolve);
      process.on('disconnect', resolve);
      process.on('SIGTERM', () => {});
      process.on('SIGINT', () => {});
    });
    await node.stop();
    process.exit(0);
  }
}
