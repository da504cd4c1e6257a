import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signDeviceToken } from '../../core/auth/jwt.js';
import { ChatClient, type TransportChoice } from '../../core/client/index.js';
import { loadScenario, type Scenario } from '../scenario/index.js';
import {
  DEVICES_PER_SOURCE_ADDRESS,
  planScenario,
  planSummary,
  resolveClientLayout,
  SOURCE_ADDRESS_BIND_CLIFF,
} from '../scenario/index.js';
import type { AckRecord, DeviceLog, SimPlan } from '../sim-types.js';
import { LatencyDistribution } from '../hdr/index.js';
import type { WorkerCheckOutput } from './check-output.js';
import type { FromWorker, ToWorker, WorkerProgress } from './messages.js';
import { scrapeGateways, type NodeFigures } from './node-metrics.js';
import {
  SLOWEST_REPORTED,
  slowestOf,
  traceDeliveries,
  type SlowDelivery,
  type TracedDelivery,
} from './slowest-deliveries.js';
import {
  sampleCluster,
  usageBetween,
  type ClusterSample,
  type LoadUsage,
  type MetricsTarget,
  type UsageReport,
} from './cluster-usage.js';
import { formatStatus, type ProgressStatus } from '../../cli/progress-line.js';
import { checkGateways } from './gateway-preflight.js';
import { connectingStatus, runningStatus, START_DELAY_MS, type Percentiles } from './run-progress.js';

export interface CoordinatorOptions {
  scenarioPath: string;
  urls: string[];
  secret: string;
  /** Gateways' /metrics, scraped before and during the steady phase. */
  metricsUrls: string[];
  /**
   * Every server process's /metrics (gateways and the other roles), sampled when the run starts
   * and when it ends for CPU, event-loop and per-hop figures (default: the gateways').
   */
  metricsTargets?: MetricsTarget[];
  /** The cluster runs on this machine: count its Postgres, NATS and Redis CPU too. */
  localServices?: boolean;
  /** Load processes (default from the scenario, else one per 15k devices). */
  processes?: number;
  /** Local source addresses to spread sockets over (default 127.0.0.1 .. 127.0.0.N). */
  sourceAddresses?: number;
  /** Every device on this transport, instead of the scenario's `transport.longPollShare` mix. */
  transport?: TransportChoice;
  /** Lines to keep: the plan, notes, rooms created. */
  onProgress: (line: string) => void;
  /** The live status, every second from the first connect to the end of the run (default: a line to onProgress). */
  onStatus?: (status: ProgressStatus) => void;
  /** Told the run's time zero once every device is connected (fault tests schedule their faults from it). */
  onStart?: (t0: number) => void;
}

export interface WorkerOutput {
  slowest: SlowDelivery[];
  logs: DeviceLog[];
  acks: AckRecord[];
  windows: Record<string, Array<{ from: number; to: number | null }>>;
  deliver: string;
  ack: string;
  /** Sends made per epoch second, as [second, sends]. */
  sentBySecond: Array<[number, number]>;
  errors: number;
  allOnline: boolean;
  checks: WorkerCheckOutput;
}

export interface RunOutcome {
  scenario: Scenario;
  plan: SimPlan;
  summary: ReturnType<typeof planSummary>;
  roomIds: Record<string, string>;
  t0: number;
  endedAt: number;
  outputs: WorkerOutput[];
  nodesBefore: NodeFigures[];
  nodesSteady: NodeFigures[];
  progress: WorkerProgress[];
  /** CPU per process and per message, event loops, and each hop's latency, from start to the end of the drain. */
  usage: UsageReport;
  /** The run's slowest deliveries and what the cluster's nodes remember of their way (their traces). */
  slowest: TracedDelivery[];
  /** The connect phase: every device's first connect (hello to synced), all load processes together. */
  connect: ConnectFigures;
  /** Every connect time of the connect phase (hello to synced), as an encoded HDR histogram. */
  connectTimes: string;
}

export interface ConnectFigures {
  devices: number;
  /** From the first load process starting its connects to the last one done. */
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /**
   * CPU over the connect phase, per role, service and load process, with `messages` the devices
   * connected (so the per-1,000 figures are per 1,000 connects). Reports before 2026-12-07 lack it.
   */
  usage?: UsageReport;
}

/**
 * The load process's entry: next to this module once compiled; when this module runs from its
 * TypeScript source (vitest), the compiled one in dist/ (the test script builds first).
 */
const WORKER_MAIN = ((): string => {
  const here = fileURLToPath(new URL('./load-worker.js', import.meta.url));
  return existsSync(here) ? here : here.replace(`${sep}src${sep}sim${sep}`, `${sep}dist${sep}sim${sep}`);
})();

/**
 * Runs one scenario: plans it, creates its rooms, starts the load processes, gives them one
 * time zero, follows their progress, scrapes the gateways, and gathers what every device saw.
 *
 * Over 400 lines: the run's phases in the order they happen (plan, rooms, load processes, time
 * zero, progress, scrapes, gathering); the parts that stand alone live in this folder.
 */
export async function runScenario(options: CoordinatorOptions): Promise<RunOutcome> {
  const scenario = loadScenario(options.scenarioPath);
  const runId = `s${randomBytes(3).toString('hex')}`;
  const plan = planScenario(scenario, runId);
  const onStatus = options.onStatus ?? ((status: ProgressStatus) => options.onProgress(formatStatus(status)));
  const summary = planSummary(plan);
  options.onProgress(
    `plan: ${summary.users} users, ${summary.devices} devices, ${summary.rooms.direct} direct and ${summary.rooms.group} group rooms, ${summary.sends} sends`,
  );
  await checkGateways({ urls: options.urls, secret: options.secret, transport: options.transport });
  const roomIds = await createRooms(plan, options);
  const devices = summary.devices;
  const layout = resolveClientLayout(scenario, devices);
  const processes = Math.max(1, options.processes ?? layout.processes);
  const sources = Math.max(1, options.sourceAddresses ?? layout.sourceAddresses);
  const localAddresses = Array.from(
    { length: sources },
    (_, i) => `127.0.${Math.floor((i + 1) / 250)}.${((i + 1) % 250) + 1}`,
  );
  const perAddress = Math.ceil(devices / sources);
  if (perAddress > SOURCE_ADDRESS_BIND_CLIFF) {
    options.onProgress(
      `note: ~${perAddress} devices per source address: past ~${SOURCE_ADDRESS_BIND_CLIFF} each connect's port search costs milliseconds of kernel time (clients.sourceAddresses: ${Math.ceil(devices / DEVICES_PER_SOURCE_ADDRESS)} keeps them at ${DEVICES_PER_SOURCE_ADDRESS})`,
    );
  }
  const nodesBefore = await scrapeGateways(options.metricsUrls);
  const targets = options.metricsTargets ?? options.metricsUrls.map((url) => ({ url }));
  // The connect phase's CPU, per role and per load process: what a connect costs each of them.
  const connectUsageBefore = await sampleCluster(targets, options.localServices ?? false);
  const connectLoads: LoadUsage[] = [];
  const dir = mkdtempSync(join(tmpdir(), `chat-sim-${runId}-`));
  const workers: ChildProcess[] = [];
  const progress = new Map<number, WorkerProgress>();
  // Live percentiles: the whole run so far, and the last second (what is happening now).
  const deliveredSoFar = new LatencyDistribution();
  const deliveredLastSecond = new LatencyDistribution();
  /** Connect times (hello to synced, retries included) over the last second, while devices connect. */
  const connectsLastSecond = new LatencyDistribution();
  /** Every connect time of the connect phase, and when it began and ended in each load process. */
  const connectsAll = new LatencyDistribution();
  const connectSpans: Array<{ from: number; to: number; connected: number }> = [];
  const waiting = new Map<string, { count: number; resolve: () => void; reject: (error: Error) => void }>();
  const expect = (kind: string) =>
    new Promise<void>((resolve, reject) => waiting.set(kind, { count: processes, resolve, reject }));
  const seen = (kind: string) => {
    const entry = waiting.get(kind);
    if (entry && --entry.count === 0) entry.resolve();
  };
  const outFiles: string[] = [];
  const loads: LoadUsage[] = [];
  const ready = expect('ready');
  const send = (worker: ChildProcess, message: ToWorker) => worker.send(message);
  for (let index = 0; index < processes; index++) {
    const worker = fork(WORKER_MAIN, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    workers.push(worker);
    worker.on('message', (message: FromWorker) => {
      switch (message.type) {
        case 'progress': {
          progress.set(message.index, message);
          const since = LatencyDistribution.decode(message.deliverSince);
          deliveredSoFar.add(since);
          deliveredLastSecond.add(since);
          const connects = LatencyDistribution.decode(message.connectSince);
          connectsLastSecond.add(connects);
          if (waiting.get('ready')?.count) connectsAll.add(connects);
          break;
        }
        case 'ready':
          connectSpans.push({ from: message.connectFrom, to: message.connectTo, connected: message.connected });
          connectLoads[message.index] = message.usage;
          seen('ready');
          break;
        case 'ran':
          loads[message.index] = message.usage;
          seen('ran');
          break;
        case 'done':
          outFiles[message.index] = message.outFile;
          seen('done');
          break;
        case 'failed':
          for (const entry of waiting.values())
            entry.reject(new Error(`load process ${message.index} failed: ${message.error}`));
          break;
      }
    });
    worker.on('exit', (code) => {
      if (code !== 0)
        for (const entry of waiting.values()) entry.reject(new Error(`load process ${index} exited with ${code}`));
    });
    send(worker, {
      type: 'init',
      scenarioPath: options.scenarioPath,
      runId,
      index,
      count: processes,
      urls: options.urls,
      secret: options.secret,
      roomIds,
      localAddresses,
      ...(options.transport ? { transport: options.transport } : {}),
      outFile: join(dir, `worker-${index}.json`),
    });
  }
  const totals = () => {
    const all = [...progress.values()];
    const sum = (key: keyof WorkerProgress) => all.reduce((total, p) => total + (p[key] as number), 0);
    return {
      connected: sum('connected'),
      devices: sum('devices'),
      sent: sum('sent'),
      acked: sum('acked'),
      delivered: sum('delivered'),
      errors: sum('errors'),
      connectWindow: sum('connectWindow'),
    };
  };
  // Live devices at each of the last ticks: the rate is taken over 3 s, since the processes'
  // 1 s reports drift against this 1 s tick and a tick that got none would read as 0/s.
  const liveAtTicks: number[] = [];
  const connectingFrom = Date.now();
  const ticker = setInterval(() => {
    const t = totals();
    liveAtTicks.push(t.connected);
    if (liveAtTicks.length > 4) liveAtTicks.shift();
    const rate = Math.round((t.connected - liveAtTicks[0]!) / Math.max(1, liveAtTicks.length - 1));
    onStatus(
      connectingStatus(
        {
          elapsedMs: Date.now() - connectingFrom,
          live: t.connected,
          devices,
          perSecond: rate,
          connect: percentilesOf(connectsLastSecond),
          inFlight: t.connectWindow,
          errors: t.errors,
        },
        plan.phases,
      ),
    );
    connectsLastSecond.reset();
  }, 1000);
  let live: NodeJS.Timeout | undefined;
  try {
    await ready;
    clearInterval(ticker);
    const usageBefore = await sampleCluster(targets, options.localServices ?? false);
    const connectUsage = usageBetween(
      connectUsageBefore,
      usageBefore,
      connectLoads,
      connectSpans.reduce((sum, span) => sum + span.connected, 0),
    );
    const t0 = Date.now() + START_DELAY_MS;
    options.onStart?.(t0);
    const ran = expect('ran');
    for (const worker of workers) send(worker, { type: 'start', t0 });
    const { rampUpMs, steadyMs, drainMs } = plan.phases;
    // Sampled when the drain ends, not when the processes report back: they wait for presence
    // and settle after it, and idle time would thin out the figures per message.
    const usageAfter = new Promise<ClusterSample>((resolve) =>
      setTimeout(
        () => void sampleCluster(targets, options.localServices ?? false).then(resolve),
        Math.max(0, t0 + rampUpMs + steadyMs + drainMs - Date.now()),
      ),
    );
    let nodesSteady: NodeFigures[] = [];
    const steadyScrape = setTimeout(
      () => {
        void scrapeGateways(options.metricsUrls).then((figures) => (nodesSteady = figures));
      },
      Math.max(0, t0 + rampUpMs + steadyMs / 2 - Date.now()),
    );
    let previous = totals();
    // Runs on past the drain, while the processes settle and read every room ('checking').
    live = setInterval(() => {
      const t = totals();
      onStatus(
        runningStatus(
          {
            sinceStartMs: Date.now() - t0,
            live: t.connected,
            devices,
            sentPerSecond: t.sent - previous.sent,
            deliveredPerSecond: t.delivered - previous.delivered,
            sent: t.sent,
            acked: t.acked,
            delivered: t.delivered,
            now: percentilesOf(deliveredLastSecond),
            soFar: percentilesOf(deliveredSoFar),
            errors: t.errors,
          },
          plan.phases,
        ),
      );
      deliveredLastSecond.reset();
      previous = t;
    }, 1000);
    await ran;
    clearTimeout(steadyScrape);
    const usage = usageBetween(usageBefore, await usageAfter, loads, totals().sent);
    const done = expect('done');
    for (const worker of workers) send(worker, { type: 'finish' });
    options.onProgress('checking: waiting for the last deliveries, reading every room, collecting logs');
    await done;
    clearInterval(live);
    const outputs = outFiles.map((file) => JSON.parse(readFileSync(file, 'utf8')) as WorkerOutput);
    const slowest = await traceDeliveries(
      slowestOf(
        outputs.map((o) => o.slowest ?? []),
        SLOWEST_REPORTED,
      ),
      targets,
    );
    return {
      scenario,
      plan,
      summary,
      roomIds,
      t0,
      endedAt: Date.now(),
      outputs,
      nodesBefore,
      nodesSteady,
      progress: [...progress.values()],
      usage,
      slowest,
      connect: { ...connectFigures(connectSpans, connectsAll), usage: { ...connectUsage, hops: [] } },
      connectTimes: connectsAll.encode(),
    };
  } finally {
    clearInterval(ticker);
    clearInterval(live);
    for (const worker of workers) if (worker.exitCode === null) worker.kill();
  }
}

/** Creates the plan's rooms through their creators' connections (device `sim-setup`). */
async function createRooms(plan: SimPlan, options: CoordinatorOptions): Promise<Record<string, string>> {
  const roomIds: Record<string, string> = {};
  const byCreator = new Map<string, SimPlan['rooms']>();
  for (const room of plan.rooms) {
    const creator = room.members[0]!;
    const list = byCreator.get(creator);
    if (list) list.push(room);
    else byCreator.set(creator, [room]);
  }
  const creators = [...byCreator.keys()];
  let created = 0;
  for (let i = 0; i < creators.length; i += 100) {
    await Promise.all(
      creators.slice(i, i + 100).map(async (creator) => {
        const client = new ChatClient({
          urls: options.urls,
          transport: options.transport ?? 'ws',
          token: () =>
            signDeviceToken({ secret: options.secret, user: creator, device: 'sim-setup', ttlSeconds: 3600 }),
        });
        client.on('error', () => {});
        await client.connect();
        try {
          for (const room of byCreator.get(creator)!) {
            const others = room.members.slice(1);
            const real =
              room.kind === 'direct'
                ? await client.createDirect(others[0]!)
                : await client.createGroup(room.name, others);
            roomIds[room.key] = real.id;
            created++;
          }
        } finally {
          await client.close();
        }
      }),
    );
    options.onProgress(`rooms: ${created}/${plan.rooms.length} created`);
  }
  return roomIds;
}

function percentilesOf(distribution: LatencyDistribution): Percentiles {
  return distribution.count === 0
    ? undefined
    : { p50: distribution.percentileMs(50), p99: distribution.percentileMs(99) };
}

/** The connect phase's figures from each load process's span and every connect time. */
function connectFigures(
  spans: Array<{ from: number; to: number; connected: number }>,
  times: LatencyDistribution,
): ConnectFigures {
  const devices = spans.reduce((sum, span) => sum + span.connected, 0);
  const seconds =
    spans.length === 0 ? 0 : (Math.max(...spans.map((s) => s.to)) - Math.min(...spans.map((s) => s.from))) / 1000;
  return {
    devices,
    seconds,
    perSecond: seconds > 0 ? devices / seconds : 0,
    p50Ms: times.count === 0 ? 0 : times.percentileMs(50),
    p99Ms: times.count === 0 ? 0 : times.percentileMs(99),
  };
}
