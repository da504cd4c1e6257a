import { describe, expect, it } from 'vitest';
import type { ClusterStatus, NodeStatus } from '../../src/status/cluster-status.js';
import { formatUptime, statusLines } from '../../src/status/status-text.js';

const SERVICES: ClusterStatus['services'] = {
  postgres: { url: 'postgresql://postgres@127.0.0.1:5432/chat_node', from: 'default', ok: true },
  redis: { url: 'redis://127.0.0.1:6379', from: 'default', ok: true },
  nats: { url: 'nats://127.0.0.1:4222', from: 'default', ok: true },
};

function node(fields: Partial<NodeStatus> & Pick<NodeStatus, 'role' | 'nodeId'>): NodeStatus {
  return {
    host: 'box',
    pid: 1,
    version: '0.1.0',
    startedAt: '2025-01-01T11:55:00.000Z',
    uptimeSec: 303,
    adminUrl: 'http://127.0.0.1:9089',
    answered: true,
    ready: true,
    failing: [],
    ...fields,
  };
}

function status(fields: Partial<ClusterStatus> = {}): ClusterStatus {
  return {
    at: '2025-01-01T12:00:00.123Z',
    namespace: 'chat',
    ok: true,
    problems: [],
    services: SERVICES,
    schema: { applied: 5, shipped: 5, pending: [] },
    nodes: [
      node({ role: 'gateway', nodeId: 'dev', connections: 12, users: 7, clientUrl: 'ws://127.0.0.1:8080/v1/ws' }),
      node({ role: 'fanout', nodeId: 'dev-fanout', partitions: 16, lag: { waiting: 3, oldestSec: 1.2 } }),
      node({ role: 'presence', nodeId: 'dev-presence', onlineUsers: 6, onlineDevices: 9 }),
      node({ role: 'pusher', nodeId: 'dev-pusher', pushQueue: { apns: 2, fcm: 0 } }),
    ],
    partitions: { total: 16, held: 16, unowned: [] },
    sendStream: {
      stream: 'CHAT_SEND',
      exists: true,
      waiting: 3,
      backlog: [{ partition: 4, waiting: 3, oldestSec: 1.2, owner: 'dev-fanout' }],
    },
    pushQueue: { stream: 'CHAT_PUSH', exists: true, waiting: 2, byPlatform: { apns: 2, fcm: 0 } },
    ...fields,
  };
}

describe('status text', () => {
  it('shows the services, one line per node with its figures, the send backlog, and that all is well', () => {
    expect(statusLines(status(), 'services from the local defaults')).toEqual([
      'chat-node status: namespace chat, 2025-01-01 12:00:00 UTC',
      'services from the local defaults',
      '',
      'SERVICE   STATE  URL                                             DETAIL',
      'postgres  ok     postgresql://postgres@127.0.0.1:5432/chat_node  schema 5, 16/16 send partitions held',
      'redis     ok     redis://127.0.0.1:6379                          4 node leases',
      'nats      ok     nats://127.0.0.1:4222                           send stream 3, push queue 2 (apns 2, fcm 0)',
      '',
      'ROLE      NODE          READY  FIGURES                              UPTIME  VERSION  HOST  ADMIN                  CLIENTS',
      'gateway   dev           yes    12 connections, 7 users              5m03s   0.1.0    box   http://127.0.0.1:9089  ws://127.0.0.1:8080/v1/ws',
      'fanout    dev-fanout    yes    16 partitions, lag 3 (oldest 1.2 s)  5m03s   0.1.0    box   http://127.0.0.1:9089',
      'presence  dev-presence  yes    6 users online (9 devices)           5m03s   0.1.0    box   http://127.0.0.1:9089',
      'pusher    dev-pusher    yes    queue apns 2, fcm 0                  5m03s   0.1.0    box   http://127.0.0.1:9089',
      '',
      'sends waiting for their commit: p4 3 (oldest 1.2 s, dev-fanout)',
      '',
      'all good: 4 nodes ready',
    ]);
  });

  it('marks a service that is down and a node that does not answer, and lists the problems', () => {
    const text = statusLines(
      status({
        ok: false,
        problems: [
          'nats does not answer at nats://127.0.0.1:4222: connection refused',
          'dev-fanout: http://127.0.0.1:9089 did not answer: no answer within 1000 ms',
        ],
        services: { ...SERVICES, nats: { ...SERVICES.nats, ok: false, error: 'connection refused' } },
        nodes: [node({ role: 'fanout', nodeId: 'dev-fanout', answered: false, ready: false })],
        sendStream: null,
        pushQueue: null,
      }),
    ).join('\n');
    expect(text).toContain('nats      DOWN   nats://127.0.0.1:4222                           connection refused');
    expect(text).toMatch(/^fanout\s+dev-fanout\s+NO ANSWER\s+-\s+5m03s/m);
    expect(text).toContain(
      'problems:\n  - nats does not answer at nats://127.0.0.1:4222: connection refused\n  - dev-fanout: http://127.0.0.1:9089 did not answer',
    );
    expect(text).not.toContain('all good');
  });

  it('says the nodes are unknown without Redis, and none when no lease is alive', () => {
    expect(statusLines(status({ nodes: null }))).toContain(
      'nodes: unknown (their leases are in Redis, which does not answer)',
    );
    expect(statusLines(status({ nodes: [] }))).toContain('nodes: none running');
  });

  it('keeps control characters written into a lease off the terminal', () => {
    const text = statusLines(
      status({ nodes: [node({ role: 'gateway', nodeId: 'gw-1', host: 'evil\u001b[2J\u0007host' })] }),
    ).join('\n');
    expect(text).toContain('evil?[2J?host');
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('writes uptimes short: seconds, minutes, hours, days', () => {
    expect([42, 303, 7620, 273_600].map(formatUptime)).toEqual(['42s', '5m03s', '2h07m', '3d04h']);
  });
});
