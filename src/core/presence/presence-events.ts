/** What presence workers hear (core NATS, queue group): a device came or went, or users were revealed. */
export type PresenceEvent = DeviceEvent | RevealEvent;

/** Gateway -> presence workers: a device of a user came or went. */
export interface DeviceEvent {
  kind: 'connect' | 'disconnect';
  user: string;
  device: string;
  node: string;
  /** When it happened on the gateway (ms). */
  at: number;
}

/**
 * Fan-out -> presence workers: users who may now see another's presence without it having
 * changed (the user's first message in a direct room lets the other member see it). The
 * workers tell them its current status, as they tell watchers of a change.
 */
export interface RevealEvent {
  kind: 'reveal';
  reveals: PresenceReveal[];
  /** When the commit that revealed them happened (ms). */
  at: number;
}

export interface PresenceReveal {
  user: string;
  to: string[];
}

/** What a presence change looks like on the wire, per user. */
export interface PresenceStatus {
  user: string;
  status: 'online' | 'offline';
  lastSeen: number | null;
}
