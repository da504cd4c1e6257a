import { describe, expect, it } from 'vitest';
import type { NodeRecord } from '../../src/core/registry/node-registry.js';
import { composeStatus, type StatusParts } from '../../src/status/cluster-status.js';
import type { AdminAnswer } from '../../src/status/node-probe.js';
import { parsePromText } from '../../src/sim/runner/prom-text.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const DEV = 'http://127.0.0.1:9089';
const FANOUT_2 = 'http://127.0.0.1:9102';

function node(role: NodeRecord['role'], nodeId: string, adminUrl: string | null = DEV): NodeRecord {
  return {
    role,
    nodeId,
    host: 'box',
    pid: 7,
    ...(adminUrl ? { adminUrl } : {}),
    version: '0.1.0',
    startedAt: NOW - 125_000,
  };
}

/** One listener's /metrics for the roles of a dev process, as prom-client writes them. */
const DEV_METRICS = parsePromText(
  [
    'chat_gateway_connections{role="gateway",node="dev"} 12',
    'chat_gateway_users{role="gateway",node="dev"} 7',
    'chat_fanout_partitions_owned{role="fanout",node="dev-fanout"} 12',
    'chat_presence_online_users{role="presence",node="dev-presence"} 6',
    'chat_presence_online_devices{role="presence",node="dev-presence"} 9',
    'chat_pusher_queue_depth{platform="apns",role="pusher",node="dev-pusher"} 3',
    'chat_pusher_queue_depth{platform="fcm",role="pusher",node="dev-pusher"} 0',
  ].join('\n'),
);

function answer(url: string, ready = true, failing: string[] = [], samples = DEV_METRICS): AdminAnswer {
  return { url, answered: true, ready, failing, samples };
}

/** A healthy cluster: dev's four roles on one listener and a second fan-out of its own. */
function parts(overrides: Partial<StatusParts> = {}): StatusParts {
  return {
    now: NOW,
    localHost: 'box',
    namespace: 'chat',
    partitions: 16,
    services: {
      postgres: { url: 'postgresql://postgres@127.0.0.1:5432/chat_node', from: 'default', ok: true },
      redis: { url: 'redis://127.0.0.1:6379', from: 'default', ok: true },
      nats: { url: 'nats://127.0.0.1:4222', from: 'default', ok: true },
    },
    nodes: [
      node('gateway', 'dev'),
      node('fanout', 'dev-fanout'),
      node('fanout', 'fanout-2', FANOUT_2),
      node('presence', 'dev-presence'),
      node('pusher', 'dev-pusher'),
    ],
    answers: new Map([
      [DEV, answer(DEV)],
      [
        FANOUT_2,
        answer(FANOUT_2, true, [], parsePromText('chat_fanout_partitions_owned{role="fanout",node="fanout-2"} 4')),
      ],
    ]),
    schema: { applied: 5, shipped: 5, pending: [] },
    owners: Array.from({ length: 16 }, (_, partition) => ({
      partition,
      owner: partition < 12 ? 'dev-fanout' : 'fanout-2',
    })),
    sendStream: { stream: 'CHAT_SEND', exists: true, waiting: 0, backlog: [] },
    pushQueue: { stream: 'CHAT_PUSH', exists: true, waiting: 3, byPlatform: { apns: 3, fcm: 0 } },
    ...overrides,
  };
}

describe('cluster status', () => {
  it("gives each node its own figures from a shared listener, by the series' node label", () => {
    const status = composeStatus(parts());
    expect(status.ok, status.problems.join('\n')).toBe(true);
    expect(status.problems).toEqual([]);
    const byId = Object.fromEntries(status.nodes!.map((n) => [n.nodeId, n]));
    expect(byId.dev).toMatchObject({
      role: 'gateway',
      ready: true,
      answered: true,
      connections: 12,
      users: 7,
      uptimeSec: 125,
      startedAt: '2025-01-01T11:57:55.000Z',
    });
    expect(byId['dev-fanout']).toMatchObject({ partitions: 12, lag: { waiting: 0, oldestSec: 0 } });
    expect(byId['fanout-2']).toMatchObject({ partitions: 4, adminUrl: FANOUT_2 });
    expect(byId['dev-presence']).toMatchObject({ onlineUsers: 6, onlineDevices: 9 });
    expect(byId['dev-pusher']).toMatchObject({ pushQueue: { apns: 3, fcm: 0 } });
    expect(byId['dev-pusher']).not.toHaveProperty('connections');
    expect(status.partitions).toEqual({ total: 16, held: 16, unowned: [] });
    expect(status.schema).toEqual({ applied: 5, shipped: 5, pending: [] });
  });

  it("counts a fan-out's commit lag over the partitions it holds, and names sends stranded on partitions nobody holds", () => {
    const owners = parts().owners!.map((o) => (o.partition === 15 ? { ...o, owner: null } : o));
    const backlog = [
      { partition: 3, waiting: 5, oldestAt: NOW - 2500 },
      { partition: 4, waiting: 2, oldestAt: NOW - 400 },
      { partition: 13, waiting: 1, oldestAt: NOW - 100 },
      { partition: 15, waiting: 9, oldestAt: NOW - 30_000 },
    ];
    const status = composeStatus(
      parts({ owners, sendStream: { stream: 'CHAT_SEND', exists: true, waiting: 17, backlog } }),
    );
    const byId = Object.fromEntries(status.nodes!.map((n) => [n.nodeId, n]));
    expect(byId['dev-fanout']!.lag).toEqual({ waiting: 7, oldestSec: 2.5 });
    expect(byId['fanout-2']!.lag).toEqual({ waiting: 1, oldestSec: 0.1 });
    expect(status.sendStream!.backlog.at(-1)).toEqual({ partition: 15, waiting: 9, oldestSec: 30, owner: null });
    expect(status.partitions).toEqual({ total: 16, held: 15, unowned: [15] });
    expect(status.ok).toBe(false);
    expect(status.problems).toEqual(['send partitions 15 have no fan-out (15/16 held): 9 sends wait on them']);
  });

  it('says which node does not answer and which is not ready, with what fails', () => {
    const answers = new Map([
      [DEV, answer(DEV, false, ['fanout holds 12/16 partitions'])],
      [
        FANOUT_2,
        {
          url: FANOUT_2,
          answered: false,
          ready: false,
          failing: [`${FANOUT_2} did not answer: no answer within 1000 ms`],
          samples: [],
        },
      ],
    ]);
    const status = composeStatus(parts({ answers }));
    const fanout2 = status.nodes!.find((n) => n.nodeId === 'fanout-2')!;
    expect(fanout2).toMatchObject({ answered: false, ready: false });
    expect(fanout2).not.toHaveProperty('partitions');
    expect(status.problems).toEqual([
      'dev: not ready (fanout holds 12/16 partitions)',
      'dev-fanout: not ready (fanout holds 12/16 partitions)',
      `fanout-2: ${FANOUT_2} did not answer: no answer within 1000 ms`,
      'dev-presence: not ready (fanout holds 12/16 partitions)',
      'dev-pusher: not ready (fanout holds 12/16 partitions)',
    ]);
  });

  it('names the service that does not answer with its URL, and says the nodes cannot be listed without Redis', () => {
    const down = {
      url: 'redis://:***@10.0.0.7:6379',
      from: 'given' as const,
      ok: false,
      error: 'connect ECONNREFUSED 10.0.0.7:6379',
    };
    const status = composeStatus(parts({ services: { ...parts().services, redis: down }, nodes: undefined }));
    expect(status.nodes).toBeNull();
    expect(status.services.redis).toEqual(down);
    expect(status.problems).toEqual([
      'redis does not answer at redis://:***@10.0.0.7:6379: connect ECONNREFUSED 10.0.0.7:6379',
      'the nodes cannot be listed: their leases are in Redis',
    ]);
  });

  it('says plainly that nothing runs, where it looked and how to start a cluster', () => {
    const status = composeStatus(
      parts({ nodes: [], namespace: 'blue', owners: parts().owners!.map((o) => ({ ...o, owner: null })) }),
    );
    expect(status.ok).toBe(false);
    expect(status.nodes).toEqual([]);
    expect(status.problems).toEqual([
      "no node of namespace blue is running (no live lease in Redis at redis://127.0.0.1:6379): start one with chat-node dev or chat-node cluster, or pass the cluster's --namespace",
    ]);
  });

  it('names a role with no node and what is missing without it', () => {
    const status = composeStatus(
      parts({ nodes: parts().nodes!.filter((n) => n.role !== 'pusher' && n.role !== 'presence') }),
    );
    expect(status.problems).toEqual([
      'no presence node is running: presence changes are not published',
      'no pusher node is running: push jobs stay queued',
    ]);
  });

  it('asks for chat-node migrate when the database is behind the shipped schema, and warns when it is ahead', () => {
    expect(
      composeStatus(parts({ schema: { applied: 3, shipped: 5, pending: ['004_blocks', '005_members_has_sent'] } }))
        .problems,
    ).toEqual([
      'the database schema is at version 3, this chat-node ships 5: run chat-node migrate (pending: 004_blocks, 005_members_has_sent)',
    ]);
    expect(composeStatus(parts({ schema: { applied: 6, shipped: 5, pending: [] } })).problems).toEqual([
      "the database schema is at version 6, newer than this chat-node's 5: this status comes from an older chat-node",
    ]);
  });

  it('shows a node without an admin listener as unknown rather than ready', () => {
    const status = composeStatus(parts({ nodes: [...parts().nodes!, node('gateway', 'gw-bare', null)] }));
    expect(status.nodes!.find((n) => n.nodeId === 'gw-bare')).toMatchObject({
      adminUrl: null,
      answered: false,
      ready: false,
      failing: ['no admin listener to ask'],
    });
    expect(status.problems).toEqual(['gw-bare: no admin listener, so its readiness is unknown']);
  });

  it("does not take another machine's loopback address for a listener of this one", () => {
    const elsewhere = { ...node('fanout', 'fanout-9', 'http://127.0.0.1:9090'), host: 'other-box' };
    const status = composeStatus(
      parts({
        nodes: [...parts().nodes!, elsewhere],
        answers: new Map([...parts().answers, ['http://127.0.0.1:9090', answer('http://127.0.0.1:9090')]]),
      }),
    );
    expect(status.nodes!.find((n) => n.nodeId === 'fanout-9')).toMatchObject({ answered: false, ready: false });
    expect(status.problems).toEqual([
      'fanout-9: its admin listener http://127.0.0.1:9090 is on the loopback of other-box: run status there, or bind it to an address this machine reaches',
    ]);
    // An address of the network is asked wherever the node runs.
    const reachable = { ...node('fanout', 'fanout-9', 'http://10.0.0.9:9090'), host: 'other-box' };
    const asked = composeStatus(
      parts({
        nodes: [...parts().nodes!, reachable],
        answers: new Map([...parts().answers, ['http://10.0.0.9:9090', answer('http://10.0.0.9:9090')]]),
      }),
    );
    expect(asked.ok, asked.problems.join('\n')).toBe(true);
  });
});
