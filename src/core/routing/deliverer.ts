import type { NatsConnection } from '@nats-io/transport-node';
import type { ChainableCommander } from 'ioredis';
import type { ConnectionReply, Delivery, NodeEnvelope } from '../bus/envelopes.js';
import { publishNodeEnvelope } from '../bus/node-envelope-pieces.js';
import type { Subjects } from '../bus/subjects.js';
import { preciseNow } from '../observability/message-hops.js';
import { nodesOf, type RouteRegistry, type RouteTable } from './route-registry.js';

/** A frame for every online device of some users. */
export interface Outgoing {
  users: string[];
  frame: string;
  membership?: Delivery['membership'];
  exceptConn?: string;
  /** The message of a `msg` frame (traced by the gateways). */
  msgId?: string;
}

/** A frame for one connection on one node. */
export interface DirectReply {
  node: string;
  conn: string;
  frame: string;
  receivedAt?: number;
  msgId?: string;
  clientMsgId?: string;
}

/**
 * Turns "these frames to these users" into one NATS message per gateway node that holds any
 * of them, looked up in the route registry in one round trip. Publishing in call order keeps
 * room order: NATS preserves order from one connection to one subscriber.
 */
export class Deliverer {
  constructor(
    private readonly nc: NatsConnection,
    private readonly subjects: Subjects,
    private readonly routes: RouteRegistry,
  ) {}

  /**
   * Publishes and returns the routes it looked up (user -> device -> nodes), which the caller
   * may reuse (the fan-out decides pushes from them). Pass `routes` to skip the lookup.
   */
  async deliver(outgoing: Outgoing[], replies: DirectReply[] = [], known?: RouteTable): Promise<RouteTable> {
    return (await this.deliverStamped(outgoing, replies, known)).routes;
  }

  /**
   * Without routes (Redis out of reach): every delivery to every gateway node, on the subject all
   * of them subscribe to, each writing to the users it holds; replies to their nodes as usual. One
   * NATS message (or a few pieces) to each gateway instead of to those that hold members: the cost
   * of delivering live while the routes cannot be read. Returns when it published (epoch ms).
   */
  deliverToAll(outgoing: Outgoing[], replies: DirectReply[] = []): number {
    const everyNode: NodeEnvelope = {
      deliveries: outgoing.filter((item) => item.users.length > 0).map(deliveryOf),
      replies: [],
    };
    const byNode = this.replyEnvelopes(replies);
    const publishedAt = preciseNow();
    everyNode.publishedAt = publishedAt;
    // Deliveries first, as in deliverStamped: a sender's other devices see the message no later than its ack.
    if (everyNode.deliveries.length > 0) publishNodeEnvelope(this.nc, this.subjects.allNodes, everyNode);
    for (const [node, envelope] of byNode) {
      envelope.publishedAt = publishedAt;
      publishNodeEnvelope(this.nc, this.subjects.node(node), envelope);
    }
    return publishedAt;
  }

  /**
   * deliver(), also saying when it published (epoch ms, fractional: the stamp the gateways time
   * their write hop from). `alongside` adds Redis commands to the route lookup's round trip.
   */
  async deliverStamped(
    outgoing: Outgoing[],
    replies: DirectReply[] = [],
    known?: RouteTable,
    alongside?: (pipeline: ChainableCommander) => void,
  ): Promise<{ routes: RouteTable; publishedAt: number }> {
    const users = [...new Set(outgoing.flatMap((item) => item.users))];
    let routes: RouteTable = known ?? (new Map() as RouteTable);
    const envelopes = new Map<string, NodeEnvelope>();
    const envelopeOf = (node: string): NodeEnvelope => {
      let envelope = envelopes.get(node);
      if (!envelope) envelopes.set(node, (envelope = { deliveries: [], replies: [] }));
      return envelope;
    };
    if (!known && (users.length > 0 || alongside)) routes = await this.routes.lookup(users, alongside);
    if (users.length > 0) {
      // A user's nodes once per call, not once per frame: a batch brings many frames to the same users.
      const nodesOfUser = new Map<string, Set<string>>();
      for (const item of outgoing) {
        const byNode = new Map<string, string[]>();
        for (const user of item.users) {
          let nodes = nodesOfUser.get(user);
          if (!nodes) {
            const devices = routes.get(user);
            if (!devices) continue;
            nodesOfUser.set(user, (nodes = nodesOf(devices)));
          }
          for (const node of nodes) {
            const list = byNode.get(node);
            if (list) list.push(user);
            else byNode.set(node, [user]);
          }
        }
        for (const [node, nodeUsers] of byNode)
          envelopeOf(node).deliveries.push(deliveryOf({ ...item, users: nodeUsers }));
      }
    }
    for (const [node, envelope] of this.replyEnvelopes(replies)) envelopeOf(node).replies.push(...envelope.replies);
    const publishedAt = preciseNow();
    for (const [node, envelope] of envelopes) {
      envelope.publishedAt = publishedAt;
      // In pieces under max_payload when it is larger (a fan-out batch, a large room): in order.
      publishNodeEnvelope(this.nc, this.subjects.node(node), envelope);
    }
    return { routes, publishedAt };
  }

  /** Replies grouped by the node of their connection. */
  private replyEnvelopes(replies: DirectReply[]): Map<string, NodeEnvelope> {
    const envelopes = new Map<string, NodeEnvelope>();
    for (const reply of replies) {
      const entry: ConnectionReply = { conn: reply.conn, frame: reply.frame };
      if (reply.receivedAt !== undefined) entry.receivedAt = reply.receivedAt;
      if (reply.msgId !== undefined) entry.msgId = reply.msgId;
      if (reply.clientMsgId !== undefined) entry.clientMsgId = reply.clientMsgId;
      let envelope = envelopes.get(reply.node);
      if (!envelope) envelopes.set(reply.node, (envelope = { deliveries: [], replies: [] }));
      envelope.replies.push(entry);
    }
    return envelopes;
  }
}

function deliveryOf(item: Outgoing): Delivery {
  const delivery: Delivery = { users: item.users, frame: item.frame };
  if (item.membership) delivery.membership = item.membership;
  if (item.exceptConn) delivery.exceptConn = item.exceptConn;
  if (item.msgId) delivery.msgId = item.msgId;
  return delivery;
}
