import type { ProgressStatus } from '../../cli/progress-line.js';

/**
 * What the simulator's status line says in each phase of a run, from the load processes'
 * totals. The figures come most useful first (a narrow terminal keeps the first): latency and
 * rates now, then totals; a client error count is moved up front as soon as there is one.
 */

export type RunPhase = 'connecting' | 'ramp' | 'steady' | 'draining' | 'checking';

export interface RunPhases {
  rampUpMs: number;
  steadyMs: number;
  drainMs: number;
}

/** The delay between every device being live and the run's time zero (the coordinator's). */
export const START_DELAY_MS = 1000;

/** Percentiles in ms over some span; undefined when it recorded nothing. */
export type Percentiles = { p50: number; p99: number } | undefined;

export interface ConnectingFigures {
  /** Since the load processes started connecting. */
  elapsedMs: number;
  live: number;
  devices: number;
  /** Devices gone live per second (over the last few seconds). */
  perSecond: number;
  /** Connect time over the last second. */
  connect: Percentiles;
  inFlight: number;
  errors: number;
}

export interface RunningFigures {
  /** Since the run's time zero (negative in the second before it). */
  sinceStartMs: number;
  live: number;
  devices: number;
  /** Sends and deliveries in the last second, and in total. */
  sentPerSecond: number;
  deliveredPerSecond: number;
  sent: number;
  acked: number;
  delivered: number;
  /** Send-to-deliver latency over the last second, and over the run so far. */
  now: Percentiles;
  soFar: Percentiles;
  errors: number;
}

/** The phase at `sinceStartMs` after time zero: after the drain, the run is waited for and checked. */
export function runPhase(sinceStartMs: number, phases: RunPhases): Exclude<RunPhase, 'connecting'> {
  if (sinceStartMs < phases.rampUpMs) return 'ramp';
  if (sinceStartMs < phases.rampUpMs + phases.steadyMs) return 'steady';
  if (sinceStartMs < phases.rampUpMs + phases.steadyMs + phases.drainMs) return 'draining';
  return 'checking';
}

const percentiles = (label: string, p: Percentiles, digits: number) =>
  p === undefined ? `${label} -` : `${label} ${p.p50.toFixed(digits)}/${p.p99.toFixed(digits)} ms`;

/** The figures in order, with a nonzero error count second (right after the most useful one). */
function ordered(figures: string[], errors: number): string[] {
  const error = `errors ${errors}`;
  return errors > 0 ? [figures[0]!, error, ...figures.slice(1)] : [...figures, error];
}

/**
 * While the devices connect. The ETA is to the end of the drain: the devices left at the
 * current rate, then the phases (unknown while no device has gone live yet).
 */
export function connectingStatus(f: ConnectingFigures, phases: RunPhases): ProgressStatus {
  const left = f.devices - f.live;
  const etaMs =
    left <= 0
      ? START_DELAY_MS + total(phases)
      : f.perSecond > 0
        ? (left / f.perSecond) * 1000 + START_DELAY_MS + total(phases)
        : undefined;
  return {
    phase: 'connecting',
    elapsedMs: f.elapsedMs,
    ...(etaMs === undefined ? {} : { etaMs }),
    figures: ordered(
      [
        `${f.live}/${f.devices} live`,
        `${f.perSecond}/s`,
        percentiles('connect p50/p99', f.connect, 0),
        `in flight ${f.inFlight}`,
      ],
      f.errors,
    ),
  };
}

/** From time zero to the end of the run; the ETA is to the end of the drain (the checks take what they take). */
export function runningStatus(f: RunningFigures, phases: RunPhases): ProgressStatus {
  const phase = runPhase(f.sinceStartMs, phases);
  return {
    phase,
    elapsedMs: Math.max(0, f.sinceStartMs),
    ...(phase === 'checking' ? {} : { etaMs: total(phases) - f.sinceStartMs }),
    figures: ordered(
      [
        percentiles('p50/p99', f.now, 1),
        `sent ${f.sentPerSecond}/s`,
        `delivered ${f.deliveredPerSecond}/s`,
        `${f.live}/${f.devices} live`,
        percentiles('so far', f.soFar, 1),
        `acked ${f.acked} of ${f.sent}`,
        `delivered ${f.delivered}`,
      ],
      f.errors,
    ),
  };
}

function total(phases: RunPhases): number {
  return phases.rampUpMs + phases.steadyMs + phases.drainMs;
}
