import type { MembersFile } from '../nodes/cluster/members-file.js';
import { DEFAULT_DATABASE_NAME, LOCAL_DEFAULT_URLS } from '../devtools/index.js';
import { withDatabase } from '../devtools/database.js';
import type { ServiceName, UrlSource } from './cluster-status.js';
import type { StatusTarget } from './status-collector.js';

/** What the command line (flags and CHAT_* environment) said. */
export interface GivenTarget {
  postgresUrl?: string;
  redisUrl?: string;
  redisCluster?: boolean;
  natsUrl?: string;
  namespace?: string;
  partitions?: number;
  nodeTimeoutMs?: number;
}

/**
 * Which cluster to look at. Each URL and the namespace come from the command line, else from the
 * members file a local `chat-node dev` or `chat-node cluster` wrote in the data folder (so status
 * finds the services they started on free ports), else the local defaults `chat-node dev` looks
 * for first (its database chat_node on the local Postgres).
 */
export function statusTarget(given: GivenTarget, members: MembersFile | undefined): StatusTarget {
  const defaults: Record<ServiceName, string> = {
    postgres: withDatabase(LOCAL_DEFAULT_URLS.postgresUrl, DEFAULT_DATABASE_NAME),
    redis: LOCAL_DEFAULT_URLS.redisUrl,
    nats: LOCAL_DEFAULT_URLS.natsUrl,
  };
  const listed: Partial<Record<ServiceName, string>> = {
    postgres: members?.services?.postgresUrl,
    redis: members?.services?.redisUrl,
    nats: members?.services?.natsUrl,
  };
  const fromCommandLine: Partial<Record<ServiceName, string>> = {
    postgres: given.postgresUrl,
    redis: given.redisUrl,
    nats: given.natsUrl,
  };
  const pick = (name: ServiceName): { url: string; from: UrlSource } => {
    const commandLine = fromCommandLine[name];
    if (commandLine) return { url: commandLine, from: 'given' };
    const fromFile = listed[name];
    return fromFile ? { url: fromFile, from: 'members file' } : { url: defaults[name], from: 'default' };
  };
  return {
    namespace: given.namespace || members?.namespace || 'chat',
    partitions: given.partitions ?? 16,
    services: { postgres: pick('postgres'), redis: pick('redis'), nats: pick('nats') },
    ...(given.redisCluster ? { redisCluster: true } : {}),
    nodeTimeoutMs: given.nodeTimeoutMs ?? 1000,
    serviceTimeoutMs: Math.max(2000, given.nodeTimeoutMs ?? 0),
  };
}

/** One line saying where the service URLs came from, when some did not come from the command line. */
export function sourceNote(
  target: StatusTarget,
  membersFile: string,
  members: MembersFile | undefined,
): string | undefined {
  const from = new Set(Object.values(target.services).map((service) => service.from));
  const parts: string[] = [];
  if (from.has('members file') && members)
    parts.push(`${membersFile} (written by chat-node ${members.command} at ${members.writtenAt})`);
  if (from.has('default')) parts.push('the local defaults');
  if (parts.length === 0) return undefined;
  return `services from ${parts.join(' and ')}; --postgres-url, --redis-url, --nats-url (or CHAT_*_URL) say otherwise`;
}
