import { Args, Command, Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import type { TransportChoice } from '../core/client/index.js';
import { DEFAULT_DATA_DIR, readDevSecret } from '../core/config/dev-secret.js';
import { ScenarioError } from '../sim/scenario/index.js';
import { withTotalRate } from '../sim/scenario/rate-override.js';
import { runScenario } from '../sim/runner/coordinator.js';
import { startLocalCluster, type LocalSimCluster } from '../sim/runner/local-cluster.js';
import { readPushLog } from '../sim/runner/push-log.js';
import { buildReport, formatReport } from '../sim/runner/sim-report.js';

export default class Sim extends Command {
  static override summary = 'Run a scenario of many multi-device users against a cluster and check its SLOs';
  static override description = `Plans the scenario (users, devices, rooms, an open-loop send schedule, churn) from its seed, creates the rooms,
spreads the devices over load processes and local source addresses, runs the phases with a live progress line,
then checks every acked message reached every device of every member in order and once (the oracle), and
reports latency percentiles, connections and memory per gateway node, and each SLO. Exits 1 when an SLO is
missed or the oracle finds a violation. Scenario files: scenarios/, documented in docs/scenarios.md.`;
  static override examples = [
    '<%= config.bin %> sim scenarios/smoke.yaml --local',
    '<%= config.bin %> sim scenarios/one-to-one.yaml --url ws://127.0.0.1:8080/v1/ws --out reports/one-to-one.json',
  ];
  static override args = { scenario: Args.string({ description: 'scenario file (YAML or JSON)', required: true }) };
  static override flags = {
    local: Flags.boolean({ description: 'start a local cluster (chat-node dev in its own process) for the run', exclusive: ['url'] }),
    gateways: Flags.integer({ description: 'with --local: gateway nodes, each role its own process (chat-node cluster)', min: 1, dependsOn: ['local'] }),
    'gateway-workers': Flags.integer({ description: 'with --local: processes per gateway node (gateway --workers); implies separate processes', min: 1, dependsOn: ['local'] }),
    fanouts: Flags.integer({ description: 'with --local: fan-out workers; implies separate processes', min: 1, dependsOn: ['local'] }),
    url: Flags.string({ description: 'gateway WebSocket URL(s), comma-separated: devices are spread over them', env: 'CHAT_URL' }),
    'metrics-url': Flags.string({ description: "gateways' /metrics URL(s), comma-separated (default: from --url)", multiple: false }),
    'data-dir': Flags.string({ description: 'data folder of `chat-node dev` (its signing secret)', default: DEFAULT_DATA_DIR, env: 'CHAT_DATA_DIR' }),
    'jwt-secret': Flags.string({ description: "the cluster's HS256 secret", env: 'CHAT_JWT_SECRET' }),
    'push-log': Flags.string({
      description: "the push fakes' log to check pushes against (`chat-node dev --push fake` writes <data-dir>/push/received.jsonl); --local reads its own; without one, push is not checked",
      exclusive: ['local'],
    }),
    'push-policy': Flags.string({ description: "the cluster's push policy (CHAT_PUSH_POLICY), which decides the pushes the check demands", options: ['always', 'hold-while-active'], default: 'always' }),
    rate: Flags.integer({ description: "messages per second in total, replacing the scenario's rate (for rate sweeps; the report's name gets -<rate>)", min: 1 }),
    processes: Flags.integer({ description: 'load processes (default: the scenario, else one per 15k devices)' }),
    transport: Flags.string({
      description: "every device on this transport (ws, longpoll, or auto: a WebSocket, long-poll when the upgrade fails), instead of the scenario's transport.longPollShare",
      options: ['ws', 'longpoll', 'auto'],
    }),
    out: Flags.string({ description: 'write the JSON report here' }),
    chart: Flags.string({ description: 'write the latency chart (SVG) here (default: next to --out)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Sim);
    const progress = (line: string) => {
      if (process.stderr.isTTY) process.stderr.write(`\r\x1b[2K${line}`);
      else process.stderr.write(`${line}\n`);
    };
    let local: LocalSimCluster | undefined;
    try {
      let urls: string[];
      let secret: string | undefined;
      let metricsUrls: string[];
      if (flags.local) {
        const shape = { gateways: flags.gateways, gatewayWorkers: flags['gateway-workers'], fanouts: flags.fanouts };
        local = await startLocalCluster((line) => process.stderr.write(`${line}\n`), shape);
        urls = local.urls;
        secret = local.secret;
        metricsUrls = local.metricsUrls;
      } else {
        if (!flags.url) this.error('pass --url of the cluster, or --local to start one', { exit: 2 });
        urls = flags.url.split(',');
        secret = flags['jwt-secret'] ?? readDevSecret(flags['data-dir']);
        metricsUrls = flags['metrics-url']?.split(',') ?? urls.map((url) => url.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '/metrics'));
      }
      if (!secret) this.error('no signing secret: pass --jwt-secret or set CHAT_JWT_SECRET', { exit: 2 });
      const outcome = await runScenario({ scenarioPath: args.scenario, urls, secret, metricsUrls, processes: flags.processes, transport: flags.transport as TransportChoice | undefined, onProgress: progress });
      if (process.stderr.isTTY) process.stderr.write('\n');
      // Read once the run is over: its last pushes had the drain and the settling to land.
      const pushLogPath = local?.pushLog ?? flags['push-log'];
      const pushLog = pushLogPath === undefined ? undefined : { path: pushLogPath, notifications: readPushLog(pushLogPath), readAt: Date.now() };
      const { report, chart } = buildReport(outcome, { pushLog, pushPolicy: flags['push-policy'] === 'hold-while-active' ? 'hold-while-active' : 'always' });
      this.log(formatReport(report));
      if (flags.out) {
        writeFileSync(flags.out, `${JSON.stringify(report, null, 2)}\n`);
        this.log(`  report: ${flags.out}`);
      }
      const chartPath = flags.chart ?? (flags.out ? flags.out.replace(/\.json$/, '') + '.svg' : undefined);
      if (chartPath) {
        writeFileSync(chartPath, chart);
        this.log(`  chart:  ${chartPath}`);
      }
      if (!report.pass) process.exitCode = 1;
    } catch (error) {
      if (error instanceof ScenarioError) this.error(error.message, { exit: 2 });
      throw error;
    } finally {
      await local?.stop();
    }
  }
}
