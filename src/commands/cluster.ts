import { resolve } from 'node:path';
import { Command, Flags } from '@oclif/core';
import chalk from 'chalk';
import { commandSettingsOf, settingFlags } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { DEFAULT_DATA_DIR } from '../core/config/dev-secret.js';
import { MissingBinaryError } from '../devtools/index.js';
import { ProcessCluster } from '../nodes/cluster/process-cluster.js';

export default class Cluster extends Command {
  static override summary = 'Run a multi-node local cluster: each role its own supervised process';
  static override description = [
    'Like `chat-node dev` (same services: found, or started in --data-dir), but each gateway, fan-out worker, presence node and the pusher runs as its own process, as on separate hosts, for load and fault tests: gateway i listens on --port + i - 1, the others on free ports. A role that dies (crash, or kill -9 from a fault test) is started again after 1 s unless --no-restart. Each role logs to <data-dir>/logs/<node>.log. Ctrl-C drains the gateways, then stops the rest.',
    '--nats-cluster 3 starts a 3-node NATS cluster on loopback ports instead (stores in <data-dir>/nats-cluster/n1..n3, logs in <data-dir>/logs/nats-n<i>.log), gives every role all three URLs and creates the streams with 3 replicas, so a fault can take one NATS node down at a time. Its nodes are not restarted when they die.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> cluster',
    '<%= config.bin %> cluster --gateways 3 --fanouts 2',
    {
      description: 'R3 streams on 3 nats-server processes',
      command: '<%= config.bin %> cluster --gateways 3 --fanouts 2 --nats-cluster 3',
    },
    {
      description: '100k connections on one port',
      command: '<%= config.bin %> cluster --gateways 1 --gateway-workers 6 --send-rate 100000',
    },
  ];
  static override flags = {
    gateways: Flags.integer({ description: 'gateway nodes (ports --port, --port + 1, ...)', default: 2, min: 1 }),
    'gateway-workers': Flags.integer({
      description: 'processes per gateway node behind its one port (gateway --workers)',
      default: 1,
      min: 1,
    }),
    fanouts: Flags.integer({ description: 'fan-out workers (they share the send partitions)', default: 2, min: 1 }),
    presence: Flags.integer({ description: 'presence nodes (a NATS queue group)', default: 1, min: 1 }),
    push: Flags.string({
      description: 'fake: a pusher on local APNs/FCM fakes (logged to <data-dir>/push/received.jsonl); off: none',
      options: ['fake', 'off'],
      default: 'fake',
    }),
    restart: Flags.boolean({ description: 'start a role again when it dies', default: true, allowNo: true }),
    ...settingFlags('cluster'),
    'nats-cluster': Flags.integer({
      description:
        'start a NATS cluster of this many nats-server nodes (3 to 5) on loopback for the roles, instead of one NATS (default: none)',
      min: 3,
      max: 5,
      helpGroup: 'SERVICES',
    }),
  };

  async run(): Promise<void> {
    const parsed = await this.parse(Cluster);
    const { flags } = parsed;
    const { settings, input } = commandSettingsOf(this, 'cluster', parsed);
    const dataDir = settings.string('dataDir') ?? (flags['data-dir'] as string);
    const host = settings.string('host') ?? (flags.host as string);
    const port = settings.integer('port') ?? (flags.port as number);
    const configFile = settings.string('config');
    const progress = (line: string) => process.stderr.write(`${chalk.dim('chat-node cluster:')} ${line}\n`);
    const cluster = new ProcessCluster({
      dataDir,
      host,
      port,
      gateways: flags.gateways,
      gatewayWorkers: flags['gateway-workers'],
      fanouts: flags.fanouts,
      presences: flags.presence,
      push: flags.push as 'fake' | 'off',
      restart: flags.restart,
      natsCluster: flags['nats-cluster'],
      input,
      // The roles read the same config file (their flags and CHAT_* variables still beat it).
      env: { ...roleEnvOf(Cluster.flags, flags), ...(configFile ? { CHAT_CONFIG: resolve(configFile) } : {}) },
      onProgress: progress,
      onRoleExit: (line) => progress(chalk.yellow(line)),
    });
    try {
      await cluster.start();
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof MissingBinaryError) this.error(message, { exit: 3 });
      this.error(message, { exit: 1 });
    }
    this.printBanner(cluster, dataDir, host);
    await untilSignal(
      () => cluster.stop(),
      () => progress('draining the gateways, then stopping every role (Ctrl-C again to force)'),
    );
    progress('stopped');
  }

  private printBanner(cluster: ProcessCluster, dataDir: string, host: string): void {
    const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
    const urls = cluster.gatewayPorts.map((port) => `ws://${shownHost}:${port}/v1/ws`);
    const dataDirFlag = dataDir === DEFAULT_DATA_DIR ? '' : ` --data-dir ${dataDir}`;
    const lines = [
      '',
      chalk.bold('chat-node cluster is running'),
      '',
      ...cluster.serviceList.map((service) => `  ${service.name.padEnd(9)} ${service.detail}`),
      ...cluster.natsNodes.map(
        (n) =>
          `    nats ${n.name} pid ${n.pid ?? '-'}  ${n.url}  routes :${n.clusterPort}  monitor http://127.0.0.1:${n.monitorPort}  ${n.logFile}`,
      ),
      '',
      `  ${'node'.padEnd(14)} ${'pid'.padStart(7)}  ${'port'.padStart(5)}  ${'admin'.padStart(5)}  log`,
      ...cluster.members.map(
        (m) =>
          `  ${m.nodeId.padEnd(14)} ${String(m.pid ?? '-').padStart(7)}  ${String(m.port).padStart(5)}  ${String(m.adminPort).padStart(5)}  ${m.logFile}`,
      ),
      '',
      `  WebSocket   ${urls.join('  ')}`,
      `  metrics     ${cluster.gatewayAdminPorts.map((port) => `http://127.0.0.1:${port}/metrics`).join('  ')}   (admin listeners, on 127.0.0.1; every node's in ${dataDir}/members.json)`,
      ...(cluster.pushReceivedFile
        ? [`  push        local APNs/FCM fakes; what they accept is appended to ${cluster.pushReceivedFile}`]
        : []),
      '',
      chalk.bold('Use it:'),
      `  npx chat-node chat --user alice --device laptop --url ${urls.join(',')}${dataDirFlag}`,
      `  npx chat-node sim scenarios/one-to-one.yaml --url ${urls.join(',')}${dataDirFlag}`,
      `  kill -9 <pid> of any node to see it fail and come back${cluster.members.length > 0 ? '' : ''}`,
      '',
      'Ctrl-C drains the gateways and stops every role and the services this command started.',
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
}

/** Flags the supervisor sets per role itself (ports, addresses, the data folder). */
const SUPERVISOR_ONLY = new Set(['port', 'host', 'data-dir']);

/**
 * Every flag given to the supervisor that a role reads from its CHAT_* variable, as that
 * variable: so a limit added to the shared flags reaches the roles without a list to update.
 */
function roleEnvOf(
  definitions: Record<string, { env?: string }>,
  values: Record<string, string | number | boolean | string[] | undefined>,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, definition] of Object.entries(definitions)) {
    const value = values[name];
    if (definition.env && !SUPERVISOR_ONLY.has(name) && value !== undefined && typeof value !== 'object')
      env[definition.env] = String(value);
  }
  return env;
}
