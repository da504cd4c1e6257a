import { describe, expect, it } from 'vitest';
import type { MembersFile } from '../../src/nodes/cluster/members-file.js';
import { sourceNote, statusTarget } from '../../src/status/status-target.js';

const MEMBERS: MembersFile = {
  command: 'dev',
  writtenAt: '2025-01-01T12:00:00.000Z',
  members: [{ role: 'dev', nodeId: 'dev', http: 'http://127.0.0.1:9089' }],
  namespace: 'blue',
  services: {
    postgresUrl: 'postgresql://postgres@127.0.0.1:45432/chat_node',
    redisUrl: 'redis://127.0.0.1:46379',
    natsUrl: 'nats://127.0.0.1:44222',
  },
};

describe('status target', () => {
  it("takes each URL from the command line, else from a local cluster's members file, else the local defaults", () => {
    const target = statusTarget({ redisUrl: 'redis://10.0.0.7:6379' }, MEMBERS);
    expect(target.services).toEqual({
      postgres: { url: 'postgresql://postgres@127.0.0.1:45432/chat_node', from: 'members file' },
      redis: { url: 'redis://10.0.0.7:6379', from: 'given' },
      nats: { url: 'nats://127.0.0.1:44222', from: 'members file' },
    });
    expect(target.namespace).toBe('blue');
    expect(statusTarget({ namespace: 'green' }, MEMBERS).namespace).toBe('green');
    const defaults = statusTarget({}, undefined);
    expect(defaults).toEqual({
      namespace: 'chat',
      partitions: 16,
      services: {
        postgres: { url: 'postgresql://postgres@127.0.0.1:5432/chat_node', from: 'default' },
        redis: { url: 'redis://127.0.0.1:6379', from: 'default' },
        nats: { url: 'nats://127.0.0.1:4222', from: 'default' },
      },
      nodeTimeoutMs: 1000,
      serviceTimeoutMs: 2000,
    });
  });

  it('says where the URLs came from unless all were given', () => {
    expect(sourceNote(statusTarget({}, MEMBERS), '.chat-node/members.json', MEMBERS)).toBe(
      'services from .chat-node/members.json (written by chat-node dev at 2025-01-01T12:00:00.000Z); --postgres-url, --redis-url, --nats-url (or CHAT_*_URL) say otherwise',
    );
    expect(
      sourceNote(statusTarget({ redisUrl: 'redis://r' }, undefined), '.chat-node/members.json', undefined),
    ).toMatch(/^services from the local defaults;/);
    const given = { postgresUrl: 'postgresql://p/db', redisUrl: 'redis://r', natsUrl: 'nats://n' };
    expect(sourceNote(statusTarget(given, MEMBERS), '.chat-node/members.json', MEMBERS)).toBeUndefined();
  });
});
