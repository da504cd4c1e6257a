/**
 * NATS names of a cluster, all under its namespace so clusters (and test runs) can share servers.
 * Room -> partition is a stable FNV-1a hash: every role must use the same partition count.
 */
export class Subjects {
  constructor(
    readonly namespace: string,
    readonly partitions: number,
  ) {}

  /** The JetStream stream that carries sends from gateways to fan-out workers. */
  get sendStream(): string {
    return `${this.namespace.toUpperCase()}_SEND`;
  }

  send(partition: number): string {
    return `${this.namespace}.send.${partition}`;
  }

  get sendWildcard(): string {
    return `${this.namespace}.send.*`;
  }

  /** Per-gateway-node subject: deliveries and acks for the devices it holds. */
  node(nodeId: string): string {
    return `${this.namespace}.node.${nodeId}`;
  }

  /**
   * Every gateway node subscribes here too: deliveries the fan-out could not route (Redis out of
   * reach), each gateway writing them to the users it holds. Not a node id's shape (`node.` prefix).
   */
  get allNodes(): string {
    return `${this.namespace}.nodes.all`;
  }

  /** The JetStream work queue of push jobs, fan-out -> pusher. */
  get pushStream(): string {
    return `${this.namespace.toUpperCase()}_PUSH`;
  }

  /** One subject per platform, so an APNs outage never holds up FCM jobs. */
  push(platform: 'apns' | 'fcm'): string {
    return `${this.namespace}.push.${platform}`;
  }

  /** Operators' commands to every gateway process (`chat-node admin kick`); each subscribes, no queue group. */
  get gatewayControl(): string {
    return `${this.namespace}.gateway.control`;
  }

  /** Device connect/disconnect events, gateways -> presence workers (a queue group). */
  get presenceEvents(): string {
    return `${this.namespace}.presence.events`;
  }

  partitionOf(room: string): number {
    return fnv1a(room) % this.partitions;
  }

  sendSubjectOf(room: string): string {
    return this.send(this.partitionOf(room));
  }

  /**
   * Durable consumer name of one partition under one lease epoch. A new name per takeover: an R3
   * consumer deleted and re-created under the same name while a NATS node was down left that node
   * "consumer has NO quorum, stalled" after its restart, never current again (nats-server 2.9).
   */
  consumer(partition: number, epoch: number): string {
    return `fanout-${partition}-e${epoch}`;
  }

  /** Whether a consumer name is one of a partition's, of any epoch (or of the old unversioned form). */
  isConsumerOf(name: string, partition: number): boolean {
    return name === `fanout-${partition}` || name.startsWith(`fanout-${partition}-e`);
  }
}

export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
