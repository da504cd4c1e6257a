import { randomBytes } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeJson, type NodeEnvelope } from '../../../src/core/bus/envelopes.js';
import { connectNats } from '../../../src/core/bus/nats.js';
import { Subjects } from '../../../src/core/bus/subjects.js';
import { Deliverer, type Outgoing } from '../../../src/core/routing/deliverer.js';
import type { RouteRegistry } from '../../../src/core/routing/route-registry.js';
import { SERVICES, waitFor } from '../../support/isolated-cluster.js';

/**
 * A fan-out batch (up to 500 messages, each frame up to the send stream's 256 KiB) goes to a
 * gateway as one NATS message; past the connection's max_payload (1 MiB by default) the publish
 * threw, the batch was retried unchanged, and its partition stalled for good.
 */
const subjects = new Subjects(`tod${randomBytes(4).toString('hex')}`, 1);
let publisher: NatsConnection;
let gateway: NatsConnection;

beforeAll(async () => {
  publisher = await connectNats(SERVICES.nats, 'oversized-delivery-fanout');
  gateway = await connectNats(SERVICES.nats, 'oversized-delivery-gateway');
});

afterAll(async () => {
  await publisher.close();
  await gateway.close();
});

/** Every user on gateway node `gw1`, one device each. */
function routesTo(node: string): RouteRegistry {
  return {
    lookup: async (users: string[]) => new Map(users.map((user) => [user, new Map([['phone', [node]]])])),
  } as unknown as RouteRegistry;
}

/** What gateway node `node` receives, piece by piece (raw sizes and decoded envelopes). */
async function listen(node: string): Promise<{ sizes: number[]; envelopes: NodeEnvelope[] }> {
  const received = { sizes: [] as number[], envelopes: [] as NodeEnvelope[] };
  gateway.subscribe(subjects.node(node), {
    callback: (error, message) => {
      if (error) return;
      received.sizes.push(message.data.byteLength);
      received.envelopes.push(decodeJson<NodeEnvelope>(message.data));
    },
  });
  await gateway.flush();
  return received;
}

describe('fan-out - deliveries larger than NATS max_payload', () => {
  it('a batch whose envelope for one gateway is over max_payload goes out in pieces under it, every frame once, in order', async () => {
    const maxPayload = publisher.info!.max_payload;
    const received = await listen('gw1');
    const body = 'x'.repeat(8 * 1024);
    // 300 messages of 8 KiB: ~2.4 MiB for one gateway.
    const outgoing: Outgoing[] = Array.from({ length: 300 }, (_, i) => ({
      users: ['bob', 'carol'],
      frame: `{"type":"msg","seq":${i + 1},"body":"${body}"}`,
      msgId: `m${i + 1}`,
    }));
    const replies = Array.from({ length: 300 }, (_, i) => ({ node: 'gw1', conn: 'c1', frame: `ack ${i + 1}` }));
    await new Deliverer(publisher, subjects, routesTo('gw1')).deliverStamped(outgoing, replies);
    await publisher.flush();
    await waitFor(() => received.envelopes.flatMap((e) => e.replies).length === 300, 5000, 'every reply');
    expect(received.envelopes.length).toBeGreaterThan(2);
    for (const size of received.sizes) expect(size).toBeLessThanOrEqual(maxPayload);
    // Pieces in order: the gateway applies deliveries then replies, as it did for the whole envelope.
    expect(received.envelopes.flatMap((e) => e.deliveries.map((d) => d.frame))).toEqual(outgoing.map((o) => o.frame));
    expect(received.envelopes.flatMap((e) => e.deliveries.map((d) => d.users))).toEqual(
      outgoing.map(() => ['bob', 'carol']),
    );
    expect(received.envelopes.flatMap((e) => e.replies.map((r) => r.frame))).toEqual(replies.map((r) => r.frame));
    const firstReplyPiece = received.envelopes.findIndex((e) => e.replies.length > 0);
    expect(received.envelopes.slice(firstReplyPiece + 1).every((e) => e.deliveries.length === 0)).toBe(true);
  });

  it('one delivery to a room whose member list alone is over max_payload is split by members', async () => {
    const maxPayload = publisher.info!.max_payload;
    const received = await listen('gw2');
    const users = Array.from({ length: 100_000 }, (_, i) => `member-${String(i).padStart(7, '0')}`);
    await new Deliverer(publisher, subjects, routesTo('gw2')).deliverStamped([
      { users, frame: '{"type":"msg","seq":1}' },
    ]);
    await publisher.flush();
    await waitFor(
      () => received.envelopes.flatMap((e) => e.deliveries.flatMap((d) => d.users)).length === users.length,
      5000,
      'every member',
    );
    expect(received.envelopes.length).toBeGreaterThan(1);
    for (const size of received.sizes) expect(size).toBeLessThanOrEqual(maxPayload);
    expect(received.envelopes.flatMap((e) => e.deliveries.flatMap((d) => d.users))).toEqual(users);
    expect(received.envelopes.every((e) => e.deliveries.every((d) => d.frame === '{"type":"msg","seq":1}'))).toBe(true);
  });
});
