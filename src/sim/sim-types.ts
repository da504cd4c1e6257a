/**
 * The simulator's shared vocabulary: a plan (what a scenario turns into for one seed), what
 * virtual devices observe while it runs, and what the oracle concludes. Plans are pure data,
 * so a worker process rebuilds the same plan from the scenario and the seed.
 */

/** One virtual device of a virtual user. */
export interface PlannedDevice {
  /** Device id (unique within the user). */
  id: string;
  /** Registers a push token on this platform (offline-push scenarios). */
  push?: 'apns' | 'fcm';
  /** Connects over HTTP long-polling instead of a WebSocket (scenario `transport.longPollShare`). */
  transport?: 'longpoll';
  /** Offline periods relative to the run's start: the device disconnects at `fromMs` and comes back at `toMs`. */
  offline: Array<{ fromMs: number; toMs: number }>;
}

export interface PlannedUser {
  /** User id, unique per run (the plan prefixes ids with the run id). */
  id: string;
  devices: PlannedDevice[];
}

export interface PlannedRoom {
  /** The plan's own key for the room (the server picks the real id at creation). */
  key: string;
  kind: 'direct' | 'group';
  name: string;
  /** Member user ids; the first one creates the room (and owns a group). */
  members: string[];
}

/** One message to send, at a fixed time (open loop: the schedule does not wait for the server). */
export interface PlannedSend {
  atMs: number;
  user: string;
  device: string;
  room: string;
  /** Unique per user; also the key the oracle uses. */
  clientMsgId: string;
  /** Body length in characters (the runner fills it). */
  bodyChars: number;
}

export interface PlannedTyping {
  atMs: number;
  user: string;
  device: string;
  room: string;
}

export interface SimPlan {
  runId: string;
  seed: number;
  users: PlannedUser[];
  rooms: PlannedRoom[];
  /** Sorted by atMs. */
  sends: PlannedSend[];
  typing: PlannedTyping[];
  phases: { rampUpMs: number; steadyMs: number; drainMs: number };
}

/** What one device saw of one message. */
export interface Delivery {
  room: string;
  seq: number;
  clientMsgId: string;
  sender: string;
  /** Receipt time on this device (ms, epoch). */
  at: number;
}

/** The sender's ack of one send. */
export interface AckRecord {
  user: string;
  device: string;
  room: string;
  clientMsgId: string;
  seq: number;
  msgId: string;
  /** Scheduled send time and ack receipt time (ms, epoch). */
  sentAt: number;
  ackedAt: number;
  /**
   * Which client of the device sent it (one per connect(), its reconnects included) and its
   * place among the device's sends: the send-order check compares sends of one client to one
   * room by it. Absent from acks of producers that do not record it.
   */
  client?: number;
  order?: number;
  /** The server answered it "try later" (rate_limited, unavailable) at least once: not queued then. */
  retried?: true;
}

/** Everything one device observed, in the order it was shown to the user. */
export interface DeviceLog {
  user: string;
  device: string;
  /** Messages emitted by the client library, in emit order (duplicates would show here). */
  deliveries: Delivery[];
  /** The device's final read position per room (read-state convergence). */
  readSeq: Record<string, number>;
  /** Rooms (real ids) the device knew at the end, with their lastSeq. */
  rooms: Record<string, number>;
}

export type ViolationKind =
  'missing' | 'duplicate' | 'out-of-order' | 'conflict' | 'unacked-delivered' | 'read-diverged' | 'seq-gap';

export interface Violation {
  kind: ViolationKind;
  room: string;
  seq?: number;
  user?: string;
  device?: string;
  detail: string;
}
