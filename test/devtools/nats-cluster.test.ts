import { rm } from 'node:fs/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstream, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NatsCluster } from '../../src/devtools/nats-cluster.js';
import { isAlive } from '../../src/devtools/processes.js';
import { tempDataDir } from './helpers.js';

const STREAM = 'faults_r3';

async function retry<T>(attempt: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

describe('nats cluster', () => {
  let dir: string;
  let cluster: NatsCluster;
  let nc: NatsConnection;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    dir = await tempDataDir();
    cluster = await NatsCluster.start({ dir, size: 3 });
    nc = await connect({ servers: cluster.urls, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close();
    await cluster?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Publishes `count` messages and reads them back through a durable consumer, acking each. */
  async function publishAndConsume(prefix: string, count: number): Promise<string[]> {
    const js = jetstream(nc, { timeout: 10_000 });
    for (let i = 0; i < count; i++) {
      // While a new stream leader is elected (4-9 s after its leader dies) a publish gets "no
      // responders": retry with the same msgID, which de-duplicates.
      await retry(() => js.publish(`${STREAM}.x`, `${prefix}-${i}`, { msgID: `${prefix}-${i}` }));
    }
    const consumer = await retry(() => js.consumers.get(STREAM, 'reader'));
    const seen: string[] = [];
    while (seen.length < count) {
      const batch = await consumer.fetch({ max_messages: count - seen.length, expires: 5_000 });
      for await (const m of batch) {
        seen.push(m.string());
        // A plain ack is fire-and-forget: if the leader is killed before the ack reaches the
        // consumer's replicated state, the next leader redelivers the message. Wait for it.
        await m.ackAck();
      }
    }
    return seen;
  }

  it('three nodes on their own ports, an R3 stream keeps working with one node killed, and the node rejoins', async () => {
    const nodes = cluster.nodes();
    expect(nodes.map((n) => n.name)).toEqual(['n1', 'n2', 'n3']);
    expect(new Set(nodes.map((n) => n.port)).size).toBe(3);
    expect(nodes.every((n) => n.running && n.pid !== undefined)).toBe(true);
    expect(cluster.url.split(',')).toHaveLength(3);

    await jsm.streams.add({ name: STREAM, subjects: [`${STREAM}.>`], storage: StorageType.File, num_replicas: 3 });
    await jsm.consumers.add(STREAM, { durable_name: 'reader', ack_policy: AckPolicy.Explicit });
    const info = await jsm.streams.info(STREAM);
    expect(info.cluster?.replicas).toHaveLength(2);
    expect(await publishAndConsume('before', 5)).toEqual(['before-0', 'before-1', 'before-2', 'before-3', 'before-4']);

    // Kill the stream's leader: the hardest single-node fault for the stream.
    const leader = nodes.find((n) => n.name === info.cluster?.leader);
    expect(leader).toBeDefined();
    const assets = await cluster.jetStreamAssets();
    expect(assets).toEqual(expect.arrayContaining([{ stream: STREAM }, { stream: STREAM, consumer: 'reader' }]));
    const killedPid = leader!.pid!;
    await cluster.kill(leader!.index);
    expect(await isAlive(killedPid)).toBe(false);
    expect(cluster.nodes()[leader!.index]!.running).toBe(false);
    // Followers campaign only after 4 s of silence: right after the kill the stream has no leader.
    await expect(cluster.waitLeaders(assets, 500)).rejects.toThrow(`JetStream had no leaders for ${STREAM}`);
    await cluster.waitLeaders(assets, 20_000);
    const elected = (await jsm.streams.info(STREAM)).cluster?.leader;
    expect(elected).toBeDefined();
    expect(elected).not.toBe(leader!.name);

    expect(await publishAndConsume('during', 5)).toEqual(['during-0', 'during-1', 'during-2', 'during-3', 'during-4']);

    await cluster.restart(leader!.index);
    const back = cluster.nodes()[leader!.index]!;
    expect(back.running).toBe(true);
    expect(back.port).toBe(leader!.port);
    expect(back.pid).not.toBe(killedPid);
    // The restarted replica catches up from the others.
    await expect
      .poll(async () => (await jsm.streams.info(STREAM)).cluster?.replicas?.every((r) => r.current) ?? false, {
        timeout: 15_000,
      })
      .toBe(true);
    expect(await publishAndConsume('after', 3)).toEqual(['after-0', 'after-1', 'after-2']);
  });

  it('stop ends every node and leaves their stores in place', async () => {
    const pids = cluster.nodes().map((n) => n.pid!);
    await nc.close();
    await cluster.stop();
    for (const pid of pids) expect(await isAlive(pid)).toBe(false);
    expect(cluster.nodes().every((n) => !n.running)).toBe(true);
    const { existsSync } = await import('node:fs');
    expect(existsSync(`${cluster.nodes()[0]!.storeDir}/jetstream`)).toBe(true);
  });
});
