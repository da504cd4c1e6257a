import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  membersFilePath,
  readMembersFile,
  writeMembersFile,
  type ClusterMemberEntry,
} from '../../../src/nodes/cluster/members-file.js';

const MEMBERS: ClusterMemberEntry[] = [
  { role: 'gateway', nodeId: 'gateway-1', http: 'http://127.0.0.1:8080' },
  { role: 'fanout', nodeId: 'fanout-1', http: 'http://127.0.0.1:9101' },
];

const dirs: string[] = [];
const dataDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'chat-members-test-'));
  dirs.push(dir);
  return dir;
};

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('members file', () => {
  it('reads back the members a cluster wrote, with who wrote them and when', () => {
    const dir = dataDir();
    const before = Date.now();
    writeMembersFile(dir, 'cluster', MEMBERS);
    const file = readMembersFile(dir)!;
    expect(file.command).toBe('cluster');
    expect(file.members).toEqual(MEMBERS);
    expect(Date.parse(file.writtenAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(file.writtenAt)).toBeLessThanOrEqual(Date.now());
  });

  it('lives at members.json in the data folder and leaves no temporary file behind', () => {
    const dir = dataDir();
    writeMembersFile(dir, 'dev', [{ role: 'dev', nodeId: 'dev-1', http: 'http://127.0.0.1:8080' }]);
    expect(membersFilePath(dir)).toBe(join(dir, 'members.json'));
    expect(readdirSync(dir)).toEqual(['members.json']);
  });

  it("keeps the cluster's namespace and services for chat-node status, readable by its owner only (a URL may hold a password)", () => {
    const dir = dataDir();
    const services = {
      postgresUrl: 'postgresql://postgres:pw@127.0.0.1:5433/chat_node',
      redisUrl: 'redis://127.0.0.1:6380',
      natsUrl: 'nats://127.0.0.1:4223',
    };
    writeMembersFile(dir, 'cluster', MEMBERS, { namespace: 'blue', services });
    expect(readMembersFile(dir)).toMatchObject({ command: 'cluster', members: MEMBERS, namespace: 'blue', services });
    expect(statSync(membersFilePath(dir)).mode & 0o777).toBe(0o600);
  });

  it('replaces the members of an earlier run', () => {
    const dir = dataDir();
    writeMembersFile(dir, 'cluster', MEMBERS);
    writeMembersFile(dir, 'dev', [{ role: 'dev', nodeId: 'dev-1', http: 'http://127.0.0.1:8081' }]);
    expect(readMembersFile(dir)).toMatchObject({
      command: 'dev',
      members: [{ role: 'dev', nodeId: 'dev-1', http: 'http://127.0.0.1:8081' }],
    });
  });

  it('answers undefined for a folder no cluster wrote to, or a file that is not JSON', () => {
    const dir = dataDir();
    expect(readMembersFile(dir)).toBeUndefined();
    expect(readMembersFile(join(dir, 'missing'))).toBeUndefined();
    writeFileSync(membersFilePath(dir), '{"command":"dev","memb');
    expect(readMembersFile(dir)).toBeUndefined();
  });
});
