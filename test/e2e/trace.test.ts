import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type AddressInfo } from 'node:net';
import type { NodeTrace } from '../../src/core/observability/recent-traces.js';
import { runCli, type CliRun } from '../support/cli.js';
import { connectDevice, type TestDevice } from '../support/devices.js';
import { IsolatedCluster, type RoleProcess } from '../support/isolated-cluster.js';

/** `chat-node trace <msgId>` against a real gateway and fan-out: one message's way, hop by hop. */
const cluster = new IsolatedCluster();
let fanout: RoleProcess;
let gateway: RoleProcess;
const open: TestDevice[] = [];

beforeAll(async () => {
  await cluster.setUp();
  fanout = await cluster.start('fanout', 'fanout-1');
  gateway = await cluster.start('gateway', 'gw-1');
  await cluster.waitReady(gateway);
}, 60_000);

afterAll(async () => {
  await Promise.all(open.map((device) => device.close()));
  await cluster.tearDown();
});

/** Runs `chat-node trace` against both nodes' HTTP ports. */
function trace(msgId: string, ...flags: string[]): Promise<CliRun> {
  const urls = flags.includes('--url') ? [] : ['--url', `${cluster.adminUrl(gateway)},http://127.0.0.1:${fanout.port}`];
  return runCli(['trace', msgId, ...urls, ...flags]);
}

/** A port nothing listens on: the OS gave it, and it was closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Alice sends Bob one message in their direct room; both have it once the call returns. */
async function exchange(body: string): Promise<{ msgId: string; room: string; seq: number }> {
  const alice = await connectDevice(cluster, [gateway], 'alice', 'laptop');
  const bob = await connectDevice(cluster, [gateway], 'bob', 'phone');
  open.push(alice, bob);
  const room = await alice.client.createDirect('bob');
  const ack = await alice.client.send(room.id, body);
  await bob.waitForCount(room.id, 1);
  return { msgId: ack.msgId, room: room.id, seq: ack.seq };
}

describe('chat-node trace', () => {
  let sent: { msgId: string; room: string; seq: number };

  beforeAll(async () => {
    sent = await exchange('trace me');
  });

  it('prints every hop of a message, from the gateway through the fan-out to both devices, in order', async () => {
    // The gateway notes its writes as it makes them, so they are there once Bob has the message.
    const { code, stdout, stderr } = await trace(sent.msgId);
    expect(code, stderr).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`message ${sent.msgId}`);
    const steps = lines
      .slice(1)
      .map((line) => line.replace(/^\s+\+\d+\.\d{3} ms\s+\(\d+\.\d{3} ms\)\s{2}/, '').replace(/\s+/g, ' '));
    expect(steps.slice(0, 6)).toEqual([
      'received at the gateway from alice/laptop',
      'stored in the send stream',
      'pulled by the fan-out fanout-1',
      expect.stringMatching(/^commit started \(partition batch of \d+\) fanout-1$/),
      `committed as ${sent.room} seq ${sent.seq} fanout-1`,
      'published for delivery fanout-1',
    ]);
    // Then the gateway's writes: the msg to Bob and Alice's ack, which this gateway writes after
    // the msg frames of the same envelope. The sending connection gets no msg of its own: its ack
    // makes the message there.
    const writes = steps.slice(6).map((step) => step.replace(/ \(\S+\) gw-1$/, ''));
    expect([...writes].sort()).toEqual(['ack written to alice/laptop', 'msg written to bob/phone']);
    expect(writes.indexOf('msg written to bob/phone')).toBeLessThan(writes.indexOf('ack written to alice/laptop'));
    expect(steps.slice(6).every((step) => step.endsWith(' gw-1'))).toBe(true);
    expect(stdout).not.toContain('no fan-out remembers it');
  });

  it("answers with each node's record as JSON", async () => {
    const { code, stdout, stderr } = await trace(sent.msgId, '--json');
    expect(code, stderr).toBe(0);
    const answer = JSON.parse(stdout) as { msgId: string; nodes: NodeTrace[]; unreachable: string[] };
    expect(answer.msgId).toBe(sent.msgId);
    expect(answer.unreachable).toEqual([]);
    const fanoutPart = answer.nodes.find((node) => node.role === 'fanout')!;
    expect(fanoutPart.node).toBe('fanout-1');
    expect(fanoutPart.fanout).toMatchObject({
      room: sent.room,
      seq: sent.seq,
      sender: 'alice',
      senderDevice: 'laptop',
    });
    const f = fanoutPart.fanout!;
    expect(f.batchSends).toBeGreaterThanOrEqual(1);
    expect(
      [f.receivedAt, f.storedAt, f.pulledAt, f.commitStartedAt, f.committedAt, f.publishedAt].every(Number.isFinite),
    ).toBe(true);
    expect(f.pulledAt).toBeLessThanOrEqual(f.commitStartedAt);
    expect(f.commitStartedAt).toBeLessThanOrEqual(f.committedAt);
    expect(f.committedAt).toBeLessThanOrEqual(f.publishedAt);
    const gatewayPart = answer.nodes.find((node) => node.role === 'gateway')!;
    expect(gatewayPart.node).toBe('gw-1');
    const writes = gatewayPart.writes!.map((w) => `${w.frame} ${w.user}/${w.device}`);
    expect([...writes].sort()).toEqual(['ack alice/laptop', 'msg bob/phone']);
    expect(writes.at(-1)).toBe('ack alice/laptop');
    for (const write of gatewayPart.writes!) {
      // One stamp, taken as the fan-out publishes the envelope: the fan-out's route hop ends where the gateway's write hop starts.
      expect(write.publishedAt).toBe(f.publishedAt);
      expect(write.writtenAt).toBeGreaterThanOrEqual(write.publishedAt);
    }
  });

  it('says no node remembers a message id nobody sent', async () => {
    const { code, stdout, stderr } = await trace('m-never-sent');
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe('message m-never-sent: no node remembers it (each keeps its newest 20,000 messages)');
  });

  it('warns of a node that does not answer, and fails only when none does', async () => {
    const dead = `http://127.0.0.1:${await closedPort()}`;
    const partly = await trace(sent.msgId, '--url', `${dead},http://127.0.0.1:${fanout.port}`);
    expect(partly.code, partly.stderr).toBe(0);
    expect(partly.stdout).toContain('published for delivery');
    expect(partly.stdout).not.toContain('written to');
    expect(partly.stderr).toContain(`no answer from ${dead}`);
    const none = await trace(sent.msgId, '--url', dead);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no answer from ${dead}`);
  });
});
