import { Args, Command, Flags } from '@oclif/core';
import { writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import chalk from 'chalk';
import type { TransportChoice } from '../core/client/index.js';
import { DEFAULT_DATA_DIR, readDevSecret } from '../core/config/dev-secret.js';
import { loadScenario, ScenarioError } from '../sim/scenario/index.js';
import { withTotalRate } from '../sim/scenario/rate-override.js';
import { formatSweep, parseRates, summarizeSweep, sweepStep, type SweepStep } from '../sim/runner/rate-sweep.js';
import { runScenario } from '../sim/runner/coordinator.js';
import { GatewayUnreachableError } from '../sim/runner/gateway-preflight.js';
import { settingFlags, startLocalCluster, type LocalSimCluster } from '../sim/runner/local-cluster.js';
import { readPushLog } from '../sim/runner/push-log.js';
import { buildReport, formatReport, type SimReport } from '../sim/runner/sim-report.js';
import { compareWithFloor } from '../sim/runner/floor-comparison.js';
import { startFloor } from '../sim/floor/floor-cluster.js';
import { readMembersFile } from '../nodes/cluster/members-file.js';
import { jwtSecretFlags, jwtSecretOf } from '../cli/flags.js';
import type { MetricsTarget } from '../sim/runner/cluster-usage.js';
import { ProgressLine } from '../cli/progress-line.js';
import { collectRunMetadata, redactUrl, type ClusterLayout } from '../sim/runner/run-metadata.js';
import { htmlPathOf, relativeHref, renderRunPage, renderSweepPage } from '../sim/report-html/index.js';

export default class Sim extends Command {
  static override summary = 'Run a scenario of many multi-device users against a cluster and check its SLOs';
  static override description = [
    'Plans the scenario (users, devices, rooms, an open-loop send schedule, churn) from its seed, creates the rooms, spreads the devices over load processes and local source addresses, runs the phases with a live progress line, then checks every acked message reached every device of every member in order and once (the oracle), and reports latency percentiles, connections and memory per gateway node, and each SLO. Exits 1 when an SLO is missed or the oracle finds a violation.',
    'Scenario files: scenarios/, documented in docs/scenarios.md.',
    "The progress line (stderr) shows the phase and an ETA, cut to the terminal's width; when stderr is not a terminal, a plain line is printed at each phase change and every 5 s.",
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> sim scenarios/smoke.yaml --local',
    {
      description: 'A running cluster, with a JSON report and, next to it, the latency chart and the HTML page',
      command:
        '<%= config.bin %> sim scenarios/one-to-one.yaml\n--url ws://127.0.0.1:8080/v1/ws --out reports/one-to-one.json',
    },
  ];
  static override args = { scenario: Args.string({ description: 'scenario file (YAML or JSON)', required: true }) };
  static override flags = {
    local: Flags.boolean({
      description: 'start a local cluster (chat-node dev in its own process) for the run',
      exclusive: ['url'],
    }),
    floor: Flags.boolean({
      summary: 'also run each step on the floor (the bare pipeline) first, and compare; alone: the floor only',
      description:
        "The floor is the bare pipeline on this machine: WebSocket -> NATS -> one batched Postgres insert -> NATS -> WebSocket. Its report goes to <out>-floor.json, and the scenario's slo.vsFloor is checked.",
    }),
    gateways: Flags.integer({
      description: 'with --local: gateway nodes, each role its own process (chat-node cluster)',
      min: 1,
      dependsOn: ['local'],
    }),
    'gateway-workers': Flags.integer({
      description: 'with --local: processes per gateway node (gateway --workers); implies separate processes',
      min: 1,
      dependsOn: ['local'],
    }),
    fanouts: Flags.integer({
      description: 'with --local: fan-out workers; implies separate processes',
      min: 1,
      dependsOn: ['local'],
    }),
    url: Flags.string({
      description: 'gateway WebSocket URL(s), comma-separated: devices are spread over them',
      env: 'CHAT_URL',
    }),
    'metrics-url': Flags.string({
      summary: "/metrics URL(s) of the cluster's processes (admin listeners), comma-separated",
      description:
        "Each process's admin listener (its --admin-port): the gateways' give connections and memory, every role's CPU and per-hop latency. Default: the processes `chat-node dev` or `chat-node cluster` listed in --data-dir, else none.",
      multiple: false,
    }),
    'data-dir': Flags.string({
      description: 'data folder of `chat-node dev` (its signing secret)',
      default: DEFAULT_DATA_DIR,
      env: 'CHAT_DATA_DIR',
    }),
    ...jwtSecretFlags,
    'push-log': Flags.string({
      summary: "the push fakes' log to check pushes against; --local reads its own",
      description:
        '`chat-node dev --push fake` writes it to <data-dir>/push/received.jsonl. Without one (and without --local), pushes are not checked.',
      exclusive: ['local'],
    }),
    'push-policy': Flags.string({
      description: "the cluster's push policy (CHAT_PUSH_POLICY), which decides the pushes the check demands",
      options: ['always', 'hold-while-active'],
      default: 'always',
    }),
    rate: Flags.string({
      summary: "messages per second in total, replacing the scenario's rate; a list runs a sweep",
      description:
        'A comma-separated list (1000,2000,4000) runs a sweep on the same cluster: a report per rate in <out>-<rate>.json, the summary in --out. Exits 0 if the lowest rate met its SLOs.',
    }),
    processes: Flags.integer({ description: 'load processes (default: the scenario, else one per 15k devices)' }),
    transport: Flags.string({
      description:
        "every device on this transport (auto: a WebSocket, long-poll when the upgrade fails), instead of the scenario's transport.longPollShare",
      options: ['ws', 'longpoll', 'auto'],
    }),
    out: Flags.string({ description: 'write the JSON report here' }),
    chart: Flags.string({ description: 'write the latency chart (SVG) here (default: next to --out)' }),
    html: Flags.string({
      summary: 'write the HTML report page here (default: next to --out)',
      description:
        "One self-contained file (the chart library inlined): the verdict, latency over time with throughput, the percentile spectrum, hops, CPU, connections and memory per node, the findings. A sweep writes a page per step (<html>-<rate>.html) and the sweep's page here. `chat-node sim report X.json` makes one from a report written before.",
      exclusive: ['no-html'],
    }),
    'no-html': Flags.boolean({ description: 'write no HTML page (not even next to --out)' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Sim);
    const progress = new ProgressLine(process.stderr);
    let local: LocalSimCluster | undefined;
    let floor: LocalSimCluster | undefined;
    try {
      // Checked before a local cluster starts: a typo should not cost a cluster boot.
      const rates =
        flags.rate === undefined
          ? [undefined]
          : parseRatesOrExit(flags.rate, (message) => this.error(message, { exit: 2 }));
      const scenarioPaths = rates.map((rate) =>
        rate === undefined ? args.scenario : withTotalRate(args.scenario, rate),
      );
      const scenario = loadScenario(args.scenario);
      for (const path of scenarioPaths) loadScenario(path);
      if (flags.floor) floor = await startFloor((line) => progress.note(line));
      let target: SimTarget | undefined;
      let layout: ClusterLayout = { kind: 'floor' };
      if (flags.local) {
        const shape = { gateways: flags.gateways, gatewayWorkers: flags['gateway-workers'], fanouts: flags.fanouts };
        local = await startLocalCluster((line) => progress.note(line), shape, scenario.cluster);
        target = { ...local, localServices: true };
        const separate = Object.values(shape).some((count) => count !== undefined);
        layout = separate
          ? {
              kind: 'local-cluster',
              gateways: shape.gateways ?? 1,
              gatewayWorkers: shape.gatewayWorkers ?? 1,
              fanouts: shape.fanouts ?? 1,
            }
          : { kind: 'local-dev' };
      } else if (flags.url) {
        const set = settingFlags(scenario.cluster);
        // An existing cluster keeps its own settings; its welcome tells every device the heartbeat.
        if (set.length > 0)
          process.stderr.write(
            `note: the scenario's cluster settings (${set.join(' ')}) apply to --local runs only; this cluster keeps its own\n`,
          );
        const urls = flags.url.split(',');
        let secret: string | undefined;
        try {
          secret = jwtSecretOf(flags) ?? readDevSecret(flags['data-dir']);
        } catch (error) {
          this.error((error as Error).message, { exit: 2 });
        }
        if (!secret)
          this.error(
            'no signing secret: set CHAT_JWT_SECRET, pass --jwt-secret-file, or --data-dir of `chat-node dev`',
            { exit: 2 },
          );
        // The client port serves no /metrics: the admin listeners are named, or found in members.json.
        const listed = flags['metrics-url'] === undefined ? readMembersFile(flags['data-dir'])?.members : undefined;
        const metricsTargets: MetricsTarget[] =
          listed?.map((m) => ({ url: `${m.http}/metrics`, role: m.role })) ??
          (flags['metrics-url']?.split(',') ?? []).map((url) => ({ url }));
        const metricsUrls = listed
          ? metricsTargets.filter((t) => t.role === 'gateway' || t.role === 'dev').map((t) => t.url)
          : metricsTargets.map((t) => t.url);
        if (metricsTargets.length === 0)
          process.stderr.write(
            "note: no --metrics-url (the processes' admin listeners): connections, memory and CPU are not measured\n",
          );
        // Postgres, NATS and Redis are counted when the cluster is on this machine (then they are too, as a rule).
        target = {
          urls,
          secret,
          metricsUrls,
          metricsTargets,
          pushLog: flags['push-log'],
          localServices: urls.every(isLoopback),
        };
        layout = { kind: 'external', urls: urls.map(redactUrl) };
      } else if (!floor) {
        this.error('pass --url of the cluster, --local to start one, or --floor to run the bare pipeline', { exit: 2 });
      }
      const sweeping = rates.length > 1;
      const steps: SweepStep[] = [];
      // The run's page (a sweep's own page); a sweep's steps and a floor run add the JSON reports' suffixes to it.
      const runPage = flags['no-html'] ? undefined : (flags.html ?? (flags.out ? htmlPathOf(flags.out) : undefined));
      const stepPages = new Map<number, string>();
      const pushPolicy = flags['push-policy'] === 'hold-while-active' ? 'hold-while-active' : 'always';
      for (const [index, scenarioPath] of scenarioPaths.entries()) {
        const rate = rates[index];
        if (sweeping) this.log(chalk.bold(`\n== ${rate} msgs/s (step ${index + 1} of ${rates.length}) ==`));
        // A sweep writes one report per step next to --out (name-<rate>.json) and the summary to --out.
        const outPath = flags.out && sweeping ? flags.out.replace(/(\.json)?$/, `-${rate}.json`) : flags.out;
        const stepPage = sweeping ? runPage?.replace(/(\.html)?$/i, `-${rate}.html`) : runPage;
        const meta = (cluster: ClusterLayout) =>
          collectRunMetadata({
            cluster,
            scenarioFile: args.scenario,
            options: {
              ...(rate !== undefined ? { rate } : {}),
              ...(flags.processes !== undefined ? { processes: flags.processes } : {}),
              ...(flags.transport !== undefined ? { transport: flags.transport } : {}),
              pushPolicy,
              floor: flags.floor,
            },
          });
        const run = (on: SimTarget, cluster: ClusterLayout, keepsReadState = true) =>
          runScenario({
            scenarioPath,
            ...on,
            processes: flags.processes,
            transport: flags.transport as TransportChoice | undefined,
            onProgress: (line) => progress.note(line),
            onStatus: (status) => progress.show(status),
          }).then((outcome) => {
            progress.end();
            // Read once the run is over: its last pushes had the drain and the settling to land.
            const pushLog =
              on.pushLog === undefined
                ? undefined
                : { path: on.pushLog, notifications: readPushLog(on.pushLog), readAt: Date.now() };
            return buildReport(outcome, { pushLog, pushPolicy, readState: keepsReadState, meta: meta(cluster) });
          });
        let floorRun: { report: SimReport; path: string | undefined } | undefined;
        if (floor) {
          if (target) this.log(chalk.bold('\n-- the floor (bare pipeline) --'));
          const floorPath = target ? outPath?.replace(/(\.json)?$/, '-floor.json') : outPath;
          // The floor keeps no read positions: its runs are not held to their agreement across devices.
          const { report, chart } = await run({ ...floor, localServices: true }, { kind: 'floor' }, false);
          this.log(formatReport(report));
          const floorPage = target ? stepPage?.replace(/(\.html)?$/i, '-floor.html') : stepPage;
          this.writeReport(
            report,
            chart,
            floorPath,
            sweeping || target ? floorPath?.replace(/\.json$/, '.svg') : flags.chart,
            floorPage,
          );
          if (!target && floorPage && rate !== undefined) stepPages.set(rate, floorPage);
          floorRun = { report, path: floorPath };
          if (target) this.log(chalk.bold('\n-- chat-node --'));
        }
        let report = floorRun?.report;
        if (target) {
          const built = await run(target, layout);
          report = floorRun
            ? compareWithFloor(built.report, floorRun.report, scenario.slo.vsFloor, floorRun.path)
            : built.report;
          this.log(formatReport(report));
          const chartPath = sweeping
            ? outPath?.replace(/\.json$/, '.svg')
            : (flags.chart ?? (flags.out ? flags.out.replace(/\.json$/, '') + '.svg' : undefined));
          this.writeReport(report, built.chart, outPath, chartPath, stepPage);
          if (stepPage && rate !== undefined) stepPages.set(rate, stepPage);
        }
        if (!report!.pass) process.exitCode = 1;
        if (rate !== undefined) steps.push(sweepStep(rate, report!, outPath));
      }
      if (sweeping) {
        const summary = summarizeSweep(basename(args.scenario, extname(args.scenario)), steps);
        this.log(formatSweep(summary));
        if (flags.out) {
          writeFileSync(flags.out, `${JSON.stringify(summary, null, 2)}\n`);
          this.log(`  sweep summary: ${flags.out}`);
        }
        if (runPage) {
          const links = new Map([...stepPages].map(([rate, page]) => [rate, relativeHref(runPage, page)]));
          writeFileSync(
            runPage,
            renderSweepPage(summary, { stepPages: links, ...(flags.out ? { source: flags.out } : {}) }),
          );
          this.log(`  sweep page:    ${runPage}`);
        }
        // A sweep looks for the limit, so a failing high step is its answer, not a failure.
        process.exitCode = summary.highestPassingRate === null ? 1 : 0;
      }
    } catch (error) {
      if (error instanceof ScenarioError || error instanceof GatewayUnreachableError)
        this.error(error.message, { exit: 2 });
      throw error;
    } finally {
      progress.close();
      await local?.stop();
      await floor?.stop();
    }
  }

  private writeReport(
    report: SimReport,
    chart: string,
    reportPath: string | undefined,
    chartPath: string | undefined,
    pagePath: string | undefined,
  ): void {
    if (reportPath) {
      writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
      this.log(`  report: ${reportPath}`);
    }
    if (chartPath) {
      writeFileSync(chartPath, chart);
      this.log(`  chart:  ${chartPath}`);
    }
    if (pagePath) {
      writeFileSync(pagePath, renderRunPage(report, reportPath ? { source: reportPath } : {}));
      this.log(`  html:   ${pagePath}`);
    }
  }
}

/** A cluster to run against: where its devices connect and its processes report. */
type SimTarget = Pick<LocalSimCluster, 'urls' | 'secret' | 'metricsUrls' | 'metricsTargets' | 'pushLog'> & {
  localServices: boolean;
};

function isLoopback(url: string): boolean {
  try {
    return /^(127\.|localhost$|\[::1\]$)/.test(new URL(url).hostname);
  } catch {
    return false;
  }
}

function parseRatesOrExit(text: string, fail: (message: string) => never): number[] {
  try {
    return parseRates(text);
  } catch (error) {
    return fail((error as Error).message);
  }
}
