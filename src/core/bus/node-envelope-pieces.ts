import type { NatsConnection } from '@nats-io/nats-core';
import { encodeJson, type ConnectionReply, type Delivery, type NodeEnvelope } from './envelopes.js';

/** NATS's default max_payload, for a connection that has not said its server's yet. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/** Room for the envelope's own keys and brackets around the items: `{"deliveries":[],"replies":[],"publishedAt":...}`. */
const ENVELOPE_OVERHEAD = 128;

/**
 * Publishes a gateway node's envelope as one NATS message, or, when it is larger than the
 * connection's max_payload (a fan-out batch of up to 500 messages for one node, or one message
 * to a room whose members on that node are many), as several in a row. A publish over
 * max_payload throws, and a batch retried unchanged throws again, forever. The pieces keep the
 * envelope's order (its deliveries, then its replies), and a gateway applies them in that order:
 * NATS keeps the order of one connection's messages to one subscriber, and the gateway handles
 * each in its subscription callback, one after the other.
 */
export function publishNodeEnvelope(nc: NatsConnection, subject: string, envelope: NodeEnvelope): void {
  const whole = encodeJson(envelope);
  const maxBytes = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  if (whole.byteLength <= maxBytes) {
    nc.publish(subject, whole);
    return;
  }
  for (const piece of splitNodeEnvelope(envelope, maxBytes)) nc.publish(subject, encodeJson(piece));
}

/**
 * The envelope as pieces of at most `maxBytes` each once encoded, items in their order. A
 * delivery too large alone is split by its users (the same frame to fewer users each time); an
 * item that cannot fit even so (one frame over the limit) goes alone, and its publish throws.
 */
export function splitNodeEnvelope(envelope: NodeEnvelope, maxBytes: number): NodeEnvelope[] {
  const budget = maxBytes - ENVELOPE_OVERHEAD;
  const pieces: NodeEnvelope[] = [];
  let current: NodeEnvelope = pieceOf(envelope);
  let used = 0;
  const add = (item: { delivery: Delivery } | { reply: ConnectionReply }, bytes: number) => {
    if (used > 0 && used + bytes + 1 > budget) {
      pieces.push(current);
      current = pieceOf(envelope);
      used = 0;
    }
    if ('delivery' in item) current.deliveries.push(item.delivery);
    else current.replies.push(item.reply);
    used += bytes + 1;
  };
  for (const delivery of envelope.deliveries) {
    for (const part of deliveryParts(delivery, budget)) add({ delivery: part }, jsonBytes(part));
  }
  for (const reply of envelope.replies) add({ reply }, jsonBytes(reply));
  if (used > 0) pieces.push(current);
  return pieces;
}

function pieceOf(envelope: NodeEnvelope): NodeEnvelope {
  const piece: NodeEnvelope = { deliveries: [], replies: [] };
  if (envelope.publishedAt !== undefined) piece.publishedAt = envelope.publishedAt;
  return piece;
}

/** The delivery, or copies of it for consecutive runs of its users, each within `budget`. */
function deliveryParts(delivery: Delivery, budget: number): Delivery[] {
  const bytes = jsonBytes(delivery);
  if (bytes <= budget || delivery.users.length <= 1) return [delivery];
  const fixed = bytes - jsonBytes(delivery.users);
  const parts: Delivery[] = [];
  let users: string[] = [];
  let used = fixed + 2;
  for (const user of delivery.users) {
    const userBytes = jsonBytes(user) + 1;
    if (users.length > 0 && used + userBytes > budget) {
      parts.push({ ...delivery, users });
      users = [];
      used = fixed + 2;
    }
    users.push(user);
    used += userBytes;
  }
  if (users.length > 0) parts.push({ ...delivery, users });
  return parts;
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value));
}
