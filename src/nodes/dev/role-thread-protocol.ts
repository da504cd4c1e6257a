import type { ClusterConfig } from '../../core/config/cluster-config.js';
import type { NodeTrace } from '../../core/observability/recent-traces.js';

/** The roles a thread of `chat-node dev` can run. */
export type ThreadRole = 'fanout' | 'presence' | 'pusher';

/** What a role thread is started with (its workerData: structured-cloned, so plain data). */
export interface RoleThreadSpec {
  roles: ThreadRole[];
  config: ClusterConfig;
  dataDir: string;
  logLevel: string;
  push: 'fake' | 'off';
  /** The dev process's admin listener, where the thread's roles are reached (their node leases say so). */
  adminUrl: string;
}

/** Parent -> thread. */
export type RoleThreadRequest =
  { type: 'metrics'; id: number } | { type: 'trace'; id: number; msgId: string } | { type: 'stop'; id: number };

/** A role's part of a trace, from a thread. */
export interface ThreadTracePart {
  node: string;
  part: Omit<NodeTrace, 'node' | 'role'> | undefined;
}

/** Thread -> parent. */
export type RoleThreadReply =
  | { type: 'started' }
  | { type: 'failed'; error: string }
  | { type: 'reply'; id: number; value: string | ThreadTracePart[] | null };
