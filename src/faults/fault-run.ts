import { runScenario } from '../sim/runner/coordinator.js';
import { loadScenario } from '../sim/scenario/index.js';
import { readPushLog } from '../sim/runner/push-log.js';
import { buildReport } from '../sim/runner/sim-report.js';
import { faultResult, type FaultResult, type FaultWindow } from './fault-result.js';

/** A fault to inject into a running cluster while simulated traffic flows through it. */
export interface Fault<Target> {
  name: string;
  /** One line for the table: what is done to what. */
  description: string;
  /** Injects the fault (kills a process, stops a service, cuts a link). */
  inject(target: Target): Promise<void>;
  /** Ends the fault after `holdMs` (restarts, heals the link); instantaneous faults have none. */
  heal?(target: Target): Promise<void>;
  holdMs?: number;
  /**
   * Resolves once the services have routed around the fault on their own (NATS: new leaders for
   * what a killed node led), while it is still held. The cluster's recovery is judged from then:
   * nothing of chat-node's can store a message in a stream without a leader.
   */
  routedAround?(target: Target): Promise<void>;
}

export interface FaultRunOptions<Target> {
  fault: Fault<Target>;
  target: Target;
  /** The traffic: a scenario file (its steady phase must be long enough for the fault and the recovery). */
  scenarioPath: string;
  urls: string[];
  secret: string;
  metricsUrls?: string[];
  /** When in the steady phase the fault is injected (ms after the ramp-up). */
  injectAfterMs: number;
  /**
   * The push fakes' log (`ProcessCluster.pushReceivedFile`): the simulator's push check then
   * judges the run's notifications too, and the result gets push figures. Default: not checked.
   */
  pushLogFile?: string;
  onProgress?: (line: string) => void;
}

/**
 * The Jepsen-style loop for one fault: run steady traffic (every send, ack and delivered copy
 * recorded by the simulator's devices), inject the fault, heal it, let the traffic drain, then
 * check the history with the simulator's oracle and measure the recovery.
 */
export async function runFault<Target>(options: FaultRunOptions<Target>): Promise<FaultResult> {
  const { fault, target } = options;
  const { rampUpMs } = loadScenario(options.scenarioPath).phases;
  const progress = options.onProgress ?? (() => {});
  const window: FaultWindow = { injectedAt: 0, liftedAt: 0, healedAt: 0 };
  let faultDone: Promise<void> = Promise.resolve();
  let faultError: { error: unknown } | undefined;
  const outcome = await runScenario({
    scenarioPath: options.scenarioPath,
    urls: options.urls,
    secret: options.secret,
    metricsUrls: options.metricsUrls ?? [],
    onProgress: progress,
    onStart: (t0) => {
      faultDone = new Promise<void>((resolve) => {
        setTimeout(
          () => {
            void (async () => {
              try {
                window.injectedAt = Date.now();
                progress(`fault ${fault.name}: ${fault.description}`);
                await fault.inject(target);
                const routing = fault.routedAround?.(target).then(
                  () => {
                    window.routedAroundAt = Date.now();
                    progress(
                      `fault ${fault.name}: the services routed around it after ${((window.routedAroundAt - window.injectedAt) / 1000).toFixed(1)} s`,
                    );
                  },
                  (error: unknown) =>
                    progress(`fault ${fault.name}: ${error instanceof Error ? error.message : String(error)}`),
                );
                if (fault.heal) await new Promise((r) => setTimeout(r, fault.holdMs ?? 0));
                window.liftedAt = Date.now();
                if (fault.heal) {
                  progress(`fault ${fault.name}: healing`);
                  await fault.heal(target);
                }
                window.healedAt = Date.now();
                await routing;
              } catch (error) {
                faultError = { error };
              } finally {
                resolve();
              }
            })();
          },
          Math.max(0, t0 + rampUpMs + options.injectAfterMs - Date.now()),
        );
      });
    },
  });
  await faultDone;
  if (faultError) throw faultError.error;
  const { pushLogFile } = options;
  const pushLog =
    pushLogFile === undefined
      ? undefined
      : { path: pushLogFile, notifications: readPushLog(pushLogFile), readAt: Date.now() };
  const { report } = buildReport(outcome, pushLog ? { pushLog } : {});
  return faultResult(fault, outcome, report, window, pushLogFile);
}
