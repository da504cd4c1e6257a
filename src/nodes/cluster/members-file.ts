import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ServiceUrls } from '../../devtools/types.js';

/** One server process of a local cluster, and where its /metrics, /readyz and /trace answer. */
export interface ClusterMemberEntry {
  /** gateway, fanout, presence, pusher; `dev` for the one process that runs them all. */
  role: string;
  nodeId: string;
  /** Base URL of its HTTP endpoints (http://127.0.0.1:<port>). */
  http: string;
}

export interface MembersFile {
  /** Who wrote it: `chat-node dev` or `chat-node cluster`. */
  command: 'dev' | 'cluster';
  writtenAt: string;
  members: ClusterMemberEntry[];
  /** The namespace the cluster runs in (absent: the default, chat). */
  namespace?: string;
  /** The services it runs on, found or started (`chat-node status` reads them from here). */
  services?: ServiceUrls;
}

/** What a cluster says of itself besides its members. */
export type ClusterFacts = Pick<MembersFile, 'namespace' | 'services'>;

/** Where `chat-node dev` and `chat-node cluster` list their processes, so that tools find every node. */
export function membersFilePath(dataDir: string): string {
  return join(dataDir, 'members.json');
}

export function writeMembersFile(
  dataDir: string,
  command: MembersFile['command'],
  members: ClusterMemberEntry[],
  facts: ClusterFacts = {},
): void {
  const file = membersFilePath(dataDir);
  const content: MembersFile = { command, writtenAt: new Date().toISOString(), members, ...facts };
  // Whole or not at all: a reader must never see half a file. Owner only: service URLs may hold passwords.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

/** The members a local cluster wrote in this data folder, or undefined when none did. */
export function readMembersFile(dataDir: string): MembersFile | undefined {
  try {
    return JSON.parse(readFileSync(membersFilePath(dataDir), 'utf8')) as MembersFile;
  } catch {
    return undefined;
  }
}
