/** Gateway -> presence workers (core NATS, queue group): a device of a user came or went. */
export interface PresenceEvent {
  kind: 'connect' | 'disconnect';
  user: string;
  device: string;
  node: string;
  /** When it happened on the gateway (ms). */
  at: number;
}

/** What a presence change looks like on the wire, per user. */
export interface PresenceStatus {
  user: string;
  status: 'online' | 'offline';
  lastSeen: number | null;
}
