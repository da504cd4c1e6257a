/** What the capacity calculation starts from; every field has a default the CLI shows. */
export interface CapacityInputs {
  /** Daily active users. */
  dau: number;
  messagesPerUserPerDay: number;
  /** Peak rate over the daily average. */
  peakFactor: number;
  bytesPerMessage: number;
  retentionYears: number;
  /** Share of daily users connected at the peak. */
  peakOnlineShare: number;
  devicesPerUser: number;
  /** Average delivered copies per message (members' devices, the sender's other devices included). */
  deliveriesPerMessage: number;
  /** Connections one gateway node holds (measured or a target), and its memory per connection. */
  connectionsPerGatewayNode: number;
  bytesPerConnection: number;
  /** Sustained messages/s one fan-out node commits and delivers. */
  messagesPerFanoutNode: number;
  /** Presence changes/s one presence node handles. */
  presenceChangesPerNode: number;
  /** Presence changes per connected device per hour (connects, disconnects). */
  presenceChangesPerDevicePerHour: number;
  /** Notifications/s one pusher node sends, and the share of deliveries that become pushes. */
  pushesPerPusherNode: number;
  pushShare: number;
  /** Messages/s one Postgres shard commits (batched). */
  messagesPerPostgresShard: number;
  /** Messages/s (in + out) one NATS server carries, and the JetStream replica count. */
  messagesPerNatsServer: number;
  streamReplicas: number;
  /** Headroom kept on every tier (0.3 = plan for 70 % utilisation at the peak). */
  headroom: number;
}

/**
 * Defaults reproduce DESIGN.md's figures: 250M messages/day, ~2.9k msg/s average, ~30k at peak,
 * 250 GB/day. Those imply 5 messages per user per day; the brief's "~50" would be ten times all of them.
 */
export const DEFAULT_CAPACITY_INPUTS: CapacityInputs = {
  dau: 50_000_000,
  messagesPerUserPerDay: 5,
  peakFactor: 10,
  bytesPerMessage: 1000,
  retentionYears: 10,
  peakOnlineShare: 0.4,
  devicesPerUser: 1.5,
  deliveriesPerMessage: 2.5,
  connectionsPerGatewayNode: 200_000,
  bytesPerConnection: 10 * 1024,
  messagesPerFanoutNode: 5000,
  presenceChangesPerNode: 20_000,
  presenceChangesPerDevicePerHour: 4,
  pushesPerPusherNode: 1500,
  pushShare: 0.3,
  messagesPerPostgresShard: 5000,
  messagesPerNatsServer: 200_000,
  streamReplicas: 3,
  headroom: 0.3,
};

export interface CapacityPlan {
  messagesPerDay: number;
  averageMessagesPerSec: number;
  peakMessagesPerSec: number;
  peakDeliveriesPerSec: number;
  storagePerDayBytes: number;
  storageRetentionBytes: number;
  peakConnections: number;
  gatewayNodes: number;
  gatewayMemoryPerNodeBytes: number;
  fanoutNodes: number;
  presenceNodes: number;
  pusherNodes: number;
  postgresShards: number;
  natsServers: number;
}

const nodes = (load: number, perNode: number, headroom: number) =>
  Math.max(1, Math.ceil(load / (perNode * (1 - headroom))));

/** The arithmetic of the design brief, from load figures and per-node capacities. Pure. */
export function planCapacity(inputs: CapacityInputs): CapacityPlan {
  const messagesPerDay = inputs.dau * inputs.messagesPerUserPerDay;
  const averageMessagesPerSec = messagesPerDay / 86_400;
  const peakMessagesPerSec = averageMessagesPerSec * inputs.peakFactor;
  const peakDeliveriesPerSec = peakMessagesPerSec * inputs.deliveriesPerMessage;
  const storagePerDayBytes = messagesPerDay * inputs.bytesPerMessage;
  const peakConnections = inputs.dau * inputs.peakOnlineShare * inputs.devicesPerUser;
  const presenceChangesPerSec = (peakConnections * inputs.presenceChangesPerDevicePerHour) / 3600;
  // Every message crosses NATS three times (gateway -> stream, stream -> fan-out, fan-out -> gateway),
  // the stream write once per replica.
  const natsMessagesPerSec = peakMessagesPerSec * (2 + inputs.streamReplicas) + peakDeliveriesPerSec;
  const natsServers = nodes(natsMessagesPerSec, inputs.messagesPerNatsServer, inputs.headroom);
  return {
    messagesPerDay,
    averageMessagesPerSec,
    peakMessagesPerSec,
    peakDeliveriesPerSec,
    storagePerDayBytes,
    storageRetentionBytes: storagePerDayBytes * 365 * inputs.retentionYears,
    peakConnections,
    gatewayNodes: nodes(peakConnections, inputs.connectionsPerGatewayNode, inputs.headroom),
    gatewayMemoryPerNodeBytes: inputs.connectionsPerGatewayNode * inputs.bytesPerConnection,
    fanoutNodes: nodes(peakMessagesPerSec, inputs.messagesPerFanoutNode, inputs.headroom),
    presenceNodes: nodes(presenceChangesPerSec, inputs.presenceChangesPerNode, inputs.headroom),
    pusherNodes: nodes(peakDeliveriesPerSec * inputs.pushShare, inputs.pushesPerPusherNode, inputs.headroom),
    postgresShards: nodes(peakMessagesPerSec, inputs.messagesPerPostgresShard, inputs.headroom),
    // A NATS cluster runs in odd sizes of at least the replica count.
    natsServers: Math.max(inputs.streamReplicas, natsServers % 2 === 0 ? natsServers + 1 : natsServers),
  };
}

/**
 * Per-node figures measured by a sim run, where it has them: memory per connection from a
 * scenario report (nodes holding over 1,000 connections), and from a rate sweep's summary the
 * highest rate the whole pipeline held within its SLOs. That rate was held by every role
 * sharing one box, so it is a floor for what one fan-out node does on a box of its own.
 */
export function measuredFromReport(report: {
  nodes?: Array<{ connections: number; rssBytesPerConnection: number | null }>;
  highestPassingRate?: number | null;
}): Partial<CapacityInputs> {
  const withMemory = (report.nodes ?? []).filter(
    (node) => node.rssBytesPerConnection !== null && node.connections > 1000,
  );
  const measured: Partial<CapacityInputs> = {};
  if (withMemory.length > 0) {
    measured.bytesPerConnection = Math.max(...withMemory.map((node) => node.rssBytesPerConnection!));
  }
  if (typeof report.highestPassingRate === 'number' && report.highestPassingRate > 0) {
    measured.messagesPerFanoutNode = report.highestPassingRate;
  }
  return measured;
}
