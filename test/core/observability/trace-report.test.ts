import { describe, expect, it } from 'vitest';
import type { FanoutTrace, GatewayWrite, NodeTrace } from '../../../src/core/observability/recent-traces.js';
import { formatTrace, traceSteps } from '../../../src/core/observability/trace-report.js';

// Offsets in binary fractions of a ms: exact at epoch-ms magnitude, as the nodes' stamps are not.
const T0 = 1_765_000_000_000;

const FANOUT: FanoutTrace = {
  room: 'r_ab',
  seq: 7,
  sender: 'alice',
  senderDevice: 'laptop',
  receivedAt: T0,
  storedAt: T0 + 0.375,
  pulledAt: T0 + 1.125,
  commitStartedAt: T0 + 1.5,
  committedAt: T0 + 3.25,
  publishedAt: T0 + 3.5,
  batchSends: 4,
};

const write = (frame: GatewayWrite['frame'], user: string, device: string, writtenAt: number): GatewayWrite => ({
  frame,
  user,
  device,
  conn: `c-${user}-${device}`,
  publishedAt: FANOUT.publishedAt,
  writtenAt,
});

/** The ack reached alice's gateway before bob's phone had the message on another. */
const NODES: NodeTrace[] = [
  { node: 'gw-2', role: 'gateway', writes: [write('msg', 'bob', 'phone', T0 + 4.75)] },
  { node: 'fanout-1', role: 'fanout', fanout: FANOUT },
  {
    node: 'gw-1',
    role: 'gateway',
    writes: [write('ack', 'alice', 'laptop', T0 + 4), write('msg', 'bob', 'laptop', T0 + 3.875)],
  },
];

describe('message trace', () => {
  it("puts the fan-out's stamps and every gateway's writes in time order, whatever order the nodes answered in", () => {
    expect(traceSteps(NODES).map((step) => [step.at - T0, step.what, step.node])).toEqual([
      [0, 'received at the gateway from alice/laptop', ''],
      [0.375, 'stored in the send stream', ''],
      [1.125, 'pulled by the fan-out', 'fanout-1'],
      [1.5, 'commit started (partition batch of 4)', 'fanout-1'],
      [3.25, 'committed as r_ab seq 7', 'fanout-1'],
      [3.5, 'published for delivery', 'fanout-1'],
      [3.875, 'msg written to bob/laptop (c-bob-laptop)', 'gw-1'],
      [4, 'ack written to alice/laptop (c-alice-laptop)', 'gw-1'],
      [4.75, 'msg written to bob/phone (c-bob-phone)', 'gw-2'],
    ]);
  });

  it("keeps cause before effect when the clocks disagree by a fraction of a millisecond (JetStream's stamp before the gateway's)", () => {
    const skewed: NodeTrace[] = [
      { node: 'fanout-1', role: 'fanout', fanout: { ...FANOUT, storedAt: T0 - 0.25 } },
      { node: 'gw-1', role: 'gateway', writes: [write('msg', 'bob', 'laptop', T0 + 3.375)] },
    ];
    expect(traceSteps(skewed).map((step) => [step.at - T0, step.what])).toEqual([
      [0, 'received at the gateway from alice/laptop'],
      [-0.25, 'stored in the send stream'],
      [1.125, 'pulled by the fan-out'],
      [1.5, 'commit started (partition batch of 4)'],
      [3.25, 'committed as r_ab seq 7'],
      [3.5, 'published for delivery'],
      [3.375, 'msg written to bob/laptop (c-bob-laptop)'],
    ]);
  });

  it('prints each step with its time since the first and since the one before', () => {
    const lines = formatTrace('m1', NODES);
    expect(lines[0]).toBe('message m1');
    expect(lines).toHaveLength(10);
    const times = lines.slice(1).map((line) => /^\s+\+(\d+\.\d{3}) ms\s+\((\d+\.\d{3}) ms\)\s{2}/.exec(line)!.slice(1));
    expect(times).toEqual([
      ['0.000', '0.000'],
      ['0.375', '0.375'],
      ['1.125', '0.750'],
      ['1.500', '0.375'],
      ['3.250', '1.750'],
      ['3.500', '0.250'],
      ['3.875', '0.375'],
      ['4.000', '0.125'],
      ['4.750', '0.750'],
    ]);
    expect(lines[1]).toMatch(/received at the gateway from alice\/laptop$/);
    expect(lines[5]).toMatch(/committed as r_ab seq 7\s+fanout-1$/);
    expect(lines[9]).toMatch(/msg written to bob\/phone \(c-bob-phone\)\s+gw-2$/);
  });

  it('lines the node names up in one column', () => {
    const lines = formatTrace('m1', NODES)
      .slice(1)
      .filter((line) => /(fanout-1|gw-\d)$/.test(line));
    expect(new Set(lines.map((line) => line.lastIndexOf(' ') + 1)).size).toBe(1);
  });

  it('says no node remembers a message none of them found', () => {
    expect(formatTrace('m-gone', [])).toEqual([
      'message m-gone: no node remembers it (each keeps its newest 20,000 messages)',
    ]);
    expect(formatTrace('m-gone', [{ node: 'gw-1', role: 'gateway', writes: [] }])).toHaveLength(1);
  });

  it("shows the gateways' writes, with a note, when no fan-out remembers the message", () => {
    const lines = formatTrace(
      'm1',
      NODES.filter((node) => node.role === 'gateway'),
    );
    expect(
      lines.slice(1, -1).map((line) => line.replace(/^\s+\+\S+ ms\s+\(\S+ ms\)\s{2}/, '').replace(/\s+/g, ' ')),
    ).toEqual([
      'msg written to bob/laptop (c-bob-laptop) gw-1',
      'ack written to alice/laptop (c-alice-laptop) gw-1',
      'msg written to bob/phone (c-bob-phone) gw-2',
    ]);
    expect(lines.at(-1)).toBe("  (no fan-out remembers it: only the gateways' writes are shown)");
    expect(formatTrace('m1', NODES).some((line) => line.includes('no fan-out remembers it'))).toBe(false);
  });
});
