import type { TransportChoice } from '../../core/client/index.js';
import type { LoadUsage } from './cluster-usage.js';

/** Coordinator <-> load worker messages (Node IPC). */
export interface WorkerInit {
  type: 'init';
  scenarioPath: string;
  runId: string;
  index: number;
  count: number;
  urls: string[];
  secret: string;
  /** Plan room key -> the real room id the coordinator created. */
  roomIds: Record<string, string>;
  localAddresses: string[];
  /** Every device on this transport (`sim --transport`), instead of the scenario's mix. */
  transport?: TransportChoice;
  /** Where to write the results file. */
  outFile: string;
}

export interface WorkerStart {
  type: 'start';
  /** The run's time zero (ms since the epoch); plan times are relative to it. */
  t0: number;
}

export type ToWorker = WorkerInit | WorkerStart | { type: 'finish' };

export interface WorkerProgress {
  type: 'progress';
  index: number;
  /** Devices live now: welcomed and synced (not reconnecting). */
  connected: number;
  devices: number;
  sent: number;
  acked: number;
  delivered: number;
  errors: number;
  /** Send-to-deliver latencies recorded since the previous progress message (encoded HDR histogram). */
  deliverSince: string;
  /** Connect times (first hello to synced, retries included) since the previous progress message (encoded HDR histogram). */
  connectSince: string;
  /** Connects the process keeps in flight now (its ConnectWindow). */
  connectWindow: number;
}

export type FromWorker =
  | WorkerProgress
  | {
      type: 'ready';
      index: number;
      connected: number;
      failed: number;
      connectFrom: number;
      connectTo: number;
      usage: LoadUsage;
    }
  | { type: 'ran'; index: number; usage: LoadUsage }
  | { type: 'done'; index: number; outFile: string }
  | { type: 'failed'; index: number; error: string };
