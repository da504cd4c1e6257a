import { writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { loadScenario, planScenario } from '../scenario/index.js';
import { pushTokenOf } from '../scenario/push-token.js';
import type { PresenceViewRecord } from '../oracle/index.js';
import { awaitPresenceConvergence, contactsOf, type WorkerCheckOutput } from './check-output.js';
import { LatencyDistribution, LatencyTimeline } from '../hdr/index.js';
import type { DeviceLog, PlannedSend, SimPlan } from '../sim-types.js';
import { ConnectQueue } from './connect-queue.js';
import { DeviceTokenMinter } from './device-token-minter.js';
import type { FromWorker, ToWorker, WorkerInit } from './messages.js';
import { VirtualDevice } from './virtual-device.js';
import { SLOWEST_KEPT, SlowestDeliveries, type SlowDelivery } from './slowest-deliveries.js';
import type { LoadUsage } from './cluster-usage.js';

/** This process's CPU, event-loop utilisation and delay from now until end(). */
function startUsage(): { end(): LoadUsage } {
  const cpu = process.cpuUsage();
  const elu = performance.eventLoopUtilization();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  return {
    end() {
      delay.disable();
      const used = process.cpuUsage(cpu);
      return {
        cpuSec: (used.user + used.system) / 1e6,
        busySec: performance.eventLoopUtilization(elu).active / 1000,
        wallSec: (performance.now() - started) / 1000,
        delayP99Ms: delay.percentile(99) / 1e6,
      };
    },
  };
}

/**
 * A load-generating child process: holds its share of the plan's devices (whole users, so a
 * user's devices live together), sends on the plan's open-loop schedule, takes devices offline
 * and back, and writes what it saw to a file for the coordinator.
 */
/** Most connects in flight per process; the ConnectWindow keeps fewer while connects are slow. */
const CONNECTS_IN_FLIGHT = 256;
/** Device tokens outlive any run (the gateway closes a session whose token expires). */
const TOKEN_TTL_SECONDS = 6 * 3600;

function post(message: FromWorker): void {
  process.send?.(message);
}

interface WorkerResults {
  slowest: SlowDelivery[];
  logs: DeviceLog[];
  acks: VirtualDevice['acks'];
  windows: Record<string, VirtualDevice['windows']>;
  deliver: string;
  ack: string;
  /** Sends made per epoch second, as [second, sends] (the report's timeline). */
  sentBySecond: Array<[number, number]>;
  errors: number;
  /** Every device was back online (and so synced) when the logs were taken. */
  allOnline: boolean;
  checks: WorkerCheckOutput;
}

class LoadWorker {
  private readonly devices = new Map<string, VirtualDevice>();
  private plan!: SimPlan;
  private readonly deliver = new LatencyTimeline();
  private readonly ack = new LatencyTimeline();
  /** Deliveries since the last progress message, for the coordinator's live percentiles. */
  private readonly deliverSince = new LatencyDistribution();
  /** Connect times (hello to synced, retries included) since the last progress message. */
  private readonly connectSince = new LatencyDistribution();
  /** The run's slowest deliveries, whose hops the coordinator looks up (`chat-node trace`). */
  private readonly slowest = new SlowestDeliveries(SLOWEST_KEPT);
  private sent = 0;
  /** Sends per epoch second (the second the timer fired in). */
  private readonly sentBySecond = new Map<number, number>();
  private acked = 0;
  private delivered = 0;
  private timers: NodeJS.Timeout[] = [];
  /** The devices' presence views once all were back online (taken in run(), before any process lets go of its devices). */
  private presenceViews: PresenceViewRecord[] = [];

  constructor(private readonly init: WorkerInit) {}

  async prepare(): Promise<void> {
    const { init } = this;
    this.plan = planScenario(loadScenario(init.scenarioPath), init.runId);
    let n = 0;
    const contacts = contactsOf(this.plan);
    const tokens = new DeviceTokenMinter(init.secret, TOKEN_TTL_SECONDS);
    this.plan.users.forEach((user, userIndex) => {
      if (userIndex % init.count !== init.index) return;
      for (const device of user.devices) {
        const localAddress = init.localAddresses[n % init.localAddresses.length];
        // Devices are spread over the gateways; the rest of the list is each one's failover order.
        const first = (n++ + init.index) % init.urls.length;
        const urls = [...init.urls.slice(first), ...init.urls.slice(0, first)];
        const virtual = new VirtualDevice({
          user: user.id,
          device: device.id,
          urls,
          localAddress,
          transport: init.transport ?? device.transport ?? 'ws',
          token: () => tokens.mint(user.id, device.id),
          push: device.push
            ? { platform: device.push, token: pushTokenOf(init.runId, user.id, device.id, device.push) }
            : undefined,
          contacts: contacts.get(user.id) ?? [],
          onDelivery: (latency, at, message) => {
            this.slowest.offer({ msgId: message.msgId, room: message.room, seq: message.seq, latencyMs: latency, at });
            this.delivered++;
            this.deliver.record(latency, at);
            this.deliverSince.recordMs(latency);
          },
          onAck: (latency, at) => {
            this.acked++;
            this.ack.record(latency, at);
          },
        });
        this.devices.set(`${user.id}/${device.id}`, virtual);
      }
    });
    const all = [...this.devices.values()];
    const progress = setInterval(() => this.report(), 1000);
    const connectFrom = Date.now();
    const connectUsage = startUsage();
    // A window of connects in flight (not batches: one slow handshake must not hold back the
    // next 200), as wide as the cluster answers quickly (see ConnectWindow).
    const outcomes = await Promise.all(all.map((device) => this.connects.connect(device)));
    const failed = outcomes.filter((ok) => !ok).length;
    clearInterval(progress);
    // The last connects' times go out with this report, before 'ready'.
    this.report();
    post({
      type: 'ready',
      index: init.index,
      connected: all.filter((d) => d.live).length,
      failed,
      connectFrom,
      connectTo: Date.now(),
      usage: connectUsage.end(),
    });
  }

  /** The connect window's width at the last connect (shown in progress). */
  private connectWindow = 0;
  /** Every connect of this process's devices, the first ones and the churned devices' returns. */
  private readonly connects = new ConnectQueue(CONNECTS_IN_FLIGHT, (ms, _ok, windowLimit) => {
    this.connectSince.recordMs(ms);
    this.connectWindow = windowLimit;
  });

  private report(): void {
    const devices = [...this.devices.values()];
    post({
      type: 'progress',
      index: this.init.index,
      connected: devices.filter((d) => d.live).length,
      devices: devices.length,
      sent: this.sent,
      acked: this.acked,
      delivered: this.delivered,
      errors: devices.reduce((sum, d) => sum + d.errors, 0),
      deliverSince: this.deliverSince.encode(),
      connectSince: this.connectSince.encode(),
      connectWindow: this.connectWindow,
    });
    this.deliverSince.reset();
    this.connectSince.reset();
  }

  /** Schedules everything of this worker's devices relative to t0 and waits until the drain ends. */
  async run(t0: number): Promise<LoadUsage> {
    const usage = startUsage();
    const at = (ms: number, work: () => void) => this.timers.push(setTimeout(work, Math.max(0, t0 + ms - Date.now())));
    const mine = (user: string, device: string) => this.devices.get(`${user}/${device}`);
    const pending: Promise<void>[] = [];
    const sendsByMs = new Map<number, PlannedSend[]>();
    for (const send of this.plan.sends) {
      if (!mine(send.user, send.device)) continue;
      const bucket = Math.floor(send.atMs / 5) * 5;
      const list = sendsByMs.get(bucket);
      if (list) list.push(send);
      else sendsByMs.set(bucket, [send]);
    }
    // One timer per 5 ms slot, not per send: 100k sends must not mean 100k timers.
    for (const [slot, sends] of sendsByMs) {
      at(slot, () => {
        const second = Math.floor(Date.now() / 1000);
        this.sentBySecond.set(second, (this.sentBySecond.get(second) ?? 0) + sends.length);
        for (const send of sends) {
          const device = mine(send.user, send.device)!;
          this.sent++;
          pending.push(device.send(send, this.init.roomIds[send.room]!, t0 + send.atMs));
        }
      });
    }
    for (const typing of this.plan.typing) {
      const device = mine(typing.user, typing.device);
      if (device) at(typing.atMs, () => device.typing(this.init.roomIds[typing.room]!));
    }
    for (const user of this.plan.users) {
      for (const planned of user.devices) {
        const device = mine(user.id, planned.id);
        if (!device) continue;
        for (const period of planned.offline) {
          at(period.fromMs, () => void device.disconnect());
          // Through the queue, as the initial connects: a storm is served as fast as the cluster answers.
          at(
            period.toMs,
            () =>
              void this.connects.connect(device).then((ok) => {
                if (!ok) device.errors++;
              }),
          );
        }
      }
    }
    const progress = setInterval(() => this.report(), 1000);
    const { rampUpMs, steadyMs, drainMs } = this.plan.phases;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, t0 + rampUpMs + steadyMs + drainMs - Date.now())));
    const used = usage.end();
    for (const timer of this.timers) clearTimeout(timer);
    // Every device back online and synced, every send settled.
    await Promise.all([...this.devices.values()].map((device) => this.connects.connect(device)));
    await Promise.race([Promise.allSettled(pending), new Promise((resolve) => setTimeout(resolve, 15_000))]);
    // Presence converges once every device (of every process) is back: wait for this process's
    // views, up to 20 s, then keep them. No process closes a device before all have done this.
    await awaitPresenceConvergence([...this.devices.values()], 20_000);
    this.presenceViews = [...this.devices.values()].map((device) => device.presenceView());
    clearInterval(progress);
    this.report();
    return used;
  }

  /** After every worker finished sending: settle, read, and write the results file. */
  async finish(): Promise<void> {
    const devices = [...this.devices.values()];
    // Wait until deliveries stop arriving (everything in flight landed): 3 s without one, at
    // most 60 s. A saturated cluster runs tens of seconds behind; the 500 ms pause and 15 s cap
    // used before ended the wait while its backlog was still arriving, and the oracle counted
    // those copies as missing (rate sweep at 4,000 msgs/s: p99 73 s behind).
    const quietMs = 3000;
    let quietSince = Date.now();
    let last = this.delivered;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline && Date.now() - quietSince < quietMs;) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      if (this.delivered !== last) {
        last = this.delivered;
        quietSince = Date.now();
      }
    }
    const firstDevices = new Map<string, VirtualDevice>();
    for (const device of devices) if (!firstDevices.has(device.user)) firstDevices.set(device.user, device);
    await Promise.allSettled([...firstDevices.values()].map((device) => device.readAll()));
    // The read events reach the users' other devices asynchronously (through the cluster): wait
    // until every user's devices agree, up to 20 s, then let the oracle judge what is left.
    const byUser = new Map<string, VirtualDevice[]>();
    for (const device of devices) byUser.set(device.user, [...(byUser.get(device.user) ?? []), device]);
    const converged = () =>
      [...byUser.values()].every((own) => {
        const states = own.map((device) => device.readState().readSeq);
        return states.every((state) =>
          Object.keys(states[0]!).every((room) => (state[room] ?? 0) === states[0]![room]),
        );
      });
    for (let waited = 0; waited < 20_000 && !converged(); waited += 250)
      await new Promise((resolve) => setTimeout(resolve, 250));
    const results: WorkerResults = {
      logs: devices.map((device) => ({
        user: device.user,
        device: device.device,
        deliveries: device.deliveries,
        ...device.readState(),
      })),
      acks: devices.flatMap((device) => device.acks),
      windows: Object.fromEntries(devices.map((device) => [`${device.user}/${device.device}`, device.windows])),
      deliver: this.deliver.encode(),
      slowest: this.slowest.list(),
      ack: this.ack.encode(),
      sentBySecond: [...this.sentBySecond],
      errors: devices.reduce((sum, d) => sum + d.errors, 0),
      allOnline: devices.every((device) => device.online),
      checks: {
        push: Object.fromEntries(
          devices.flatMap((device) =>
            device.pushRegistered ? [[`${device.user}/${device.device}`, device.pushRegistered]] : [],
          ),
        ),
        presence: this.presenceViews,
        typing: devices.map((device) => device.typingView()),
      },
    };
    writeFileSync(this.init.outFile, JSON.stringify(results));
    await Promise.allSettled(devices.map((device) => device.disconnect()));
    post({ type: 'done', index: this.init.index, outFile: this.init.outFile });
  }
}

let worker: LoadWorker | undefined;
process.on('message', (message: ToWorker) => {
  const fail = (error: unknown) =>
    post({
      type: 'failed',
      index: worker ? (worker as unknown as { init: WorkerInit }).init.index : -1,
      error: (error as Error).stack ?? String(error),
    });
  if (message.type === 'init') {
    worker = new LoadWorker(message);
    worker.prepare().catch(fail);
  } else if (message.type === 'start') {
    const index = message.type === 'start' && worker ? (worker as unknown as { init: WorkerInit }).init.index : -1;
    worker?.run(message.t0).then((usage) => post({ type: 'ran', index, usage }), fail);
  } else if (message.type === 'finish') {
    worker?.finish().then(() => process.exit(0), fail);
  }
});
process.on('disconnect', () => process.exit(0));
