import { Command, Flags } from '@oclif/core';
import chalk from 'chalk';
import { commandSettingsOf, settingFlags } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { createLogger } from '../core/observability/logger.js';
import { MissingBinaryError } from '../devtools/index.js';
import { DevCluster, type DevLayout } from '../nodes/dev/dev-cluster.js';

export default class Dev extends Command {
  static override summary = 'Run a whole local cluster in one process: the place to start';
  static override description = [
    'The gateway, the fan-out, presence and (unless --push off) the pusher run in one process (see --layout). Uses Postgres, Redis and NATS from the flags or CHAT_*_URL when given; otherwise the ones on their default local ports if they answer; otherwise starts its own from the installed binaries in --data-dir, on free ports, and stops them on exit.',
    'Without a JWT key it creates a secret in --data-dir, which `chat-node token` uses too.',
  ].join('\n\n');
  static override examples = ['<%= config.bin %> dev', '<%= config.bin %> dev --port 9000 --data-dir /tmp/chat'];
  static override flags = {
    ...settingFlags('dev'),
    push: Flags.string({
      description:
        'fake: a pusher sending to local APNs/FCM fakes (logged to <data-dir>/push/received.jsonl); off: none',
      options: ['fake', 'off'],
      default: 'fake',
      env: 'CHAT_DEV_PUSH',
    }),
    layout: Flags.string({
      description:
        'threads: gateway on the main thread, fan-out on a second, presence and pusher on a third (more than one core); single: one event loop',
      options: ['threads', 'single'],
      default: 'threads',
      env: 'CHAT_DEV_LAYOUT',
    }),
  };

  async run(): Promise<void> {
    const parsed = await this.parse(Dev);
    const { flags } = parsed;
    const progress = (line: string) => process.stderr.write(`${chalk.dim('chat-node dev:')} ${line}\n`);
    const { settings, input: given } = commandSettingsOf(this, 'dev', parsed);
    const input = { ...given, nodeId: 'dev' };
    // What the supervisor itself uses, from the flags, the environment or the config file.
    const dataDir = settings.string('dataDir') ?? (flags['data-dir'] as string);
    const port = settings.integer('port') ?? (flags.port as number);
    const host = settings.string('host') ?? (flags.host as string);
    const adminPort = settings.integer('adminPort') ?? (flags['admin-port'] as number);
    const logLevel = settings.string('logLevel') ?? (flags['log-level'] as string);
    const cluster = new DevCluster({
      dataDir,
      port,
      host,
      adminPort,
      input,
      push: flags.push as 'fake' | 'off',
      layout: flags.layout as DevLayout,
      logLevel,
      log: createLogger('dev', 'dev', logLevel),
      onProgress: progress,
    });
    try {
      await cluster.start();
    } catch (error) {
      const message = (error as Error).message;
      if (error instanceof MissingBinaryError) this.error(message, { exit: 3 });
      if (/EADDRINUSE/.test(message))
        this.error(`port ${port} or ${adminPort} is taken: pass --port or --admin-port with a free one`, { exit: 2 });
      this.error(message, { exit: 1 });
    }
    this.printBanner(cluster, dataDir, host);
    await untilSignal(
      () => cluster.stop(),
      () => progress('shutting down (Ctrl-C again to force)'),
    );
    progress('stopped');
  }

  private printBanner(cluster: DevCluster, dataDir: string, host: string): void {
    const shownHost = host === '0.0.0.0' ? '127.0.0.1' : host;
    const base = `${shownHost}:${cluster.gatewayPort}`;
    const dataDirFlag = dataDir === '.chat-node' ? '' : ` --data-dir ${dataDir}`;
    // The chat client's default URL is ws://127.0.0.1:8080/v1/ws.
    const urlFlag = base === '127.0.0.1:8080' ? '' : ` --url ws://${base}/v1/ws`;
    const lines = [
      '',
      chalk.bold('chat-node dev is running'),
      '',
      ...cluster.serviceList.map((service) => `  ${service.name.padEnd(9)} ${service.detail}`),
      '',
      `  WebSocket   ws://${base}/v1/ws   (subprotocol chat.v1)`,
      `  long-poll   http://${base}/v1/sessions, /v1/poll, /v1/frames   (same frames over HTTP; docs/protocol.md)`,
      `  admin       http://127.0.0.1:${cluster.adminPort}/metrics   /readyz   /trace   (chat-node trace <msgId>: one message's hops)`,
      `  layout      ${cluster.layout === 'threads' ? 'gateway on the main thread, fan-out on a second, presence and pusher on a third (--layout single: one event loop)' : 'every role on one event loop (--layout threads uses more cores)'}`,
      ...(cluster.pushReceivedFile
        ? [`  push        local APNs/FCM fakes; what they accept is appended to ${cluster.pushReceivedFile}`]
        : []),
      '',
      chalk.bold('Chat:'),
      `  npx chat-node chat --user alice --device laptop${urlFlag}${dataDirFlag}`,
      `  npx chat-node chat --user bob --device phone${urlFlag}${dataDirFlag}   (in another terminal)`,
      '',
      chalk.bold('Or speak the protocol:'),
      `  TOKEN=$(npx chat-node token --user alice --device laptop${dataDirFlag})`,
      `  npx wscat -s chat.v1 -c ws://${base}/v1/ws`,
      `  then send: {"type":"hello","token":"<TOKEN>"}`,
      `  and e.g.:  {"type":"room.create","id":"1","kind":"direct","members":["bob"]}`,
      '',
      `Protocol reference: docs/protocol.md. Ctrl-C stops the cluster${cluster.serviceList.some((s) => s.origin === 'started') ? ' and the services it started' : ''}.`,
      '',
    ];
    process.stdout.write(lines.join('\n') + '\n');
  }
}
