import { Command, Flags } from '@oclif/core';
import { DEFAULT_DATA_DIR } from '../core/config/dev-secret.js';
import { membersFilePath, readMembersFile } from '../nodes/cluster/members-file.js';
import { StatusCollector } from '../status/status-collector.js';
import { statusLines } from '../status/status-text.js';
import { sourceNote, statusTarget } from '../status/status-target.js';
import { watchStatus } from '../status/status-watch.js';

export default class Status extends Command {
  static override summary = 'The cluster at a glance: nodes, readiness, services and queues';
  static override description = [
    "Lists every live node from the leases the nodes keep in Redis (role, node id, host, uptime, version, admin and client address), asks each node's admin listener for /readyz and /metrics (connections and users per gateway, partitions and commit lag per fan-out, users online, push queue), and reads the schema version and the send-partition leases in Postgres and the send stream and push queue in JetStream.",
    'A node that does not answer within --timeout-ms is shown as such; a service that does not answer is named with its URL (passwords hidden). Exits 1 when it lists a problem.',
    'Service URLs come from the flags or CHAT_*_URL, else from the members.json a local `chat-node dev` or `chat-node cluster` wrote in --data-dir, else the local defaults. docs/status.md says what each figure means.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --watch',
    "<%= config.bin %> status --json | jq '.nodes[] | {nodeId, ready}'",
    {
      description: "A remote cluster's services, from the environment",
      command:
        'CHAT_REDIS_URL=redis://10.0.0.7:6379 CHAT_POSTGRES_URL=postgres://...\nCHAT_NATS_URL=nats://10.0.0.8:4222 <%= config.bin %> status',
    },
  ];
  static override flags = {
    watch: Flags.boolean({
      char: 'w',
      description:
        'a live full-screen view, refreshed every second (q or Ctrl-C quits); with --json, one JSON line per second',
    }),
    json: Flags.boolean({ description: 'print the status as JSON (for scripts)' }),
    'timeout-ms': Flags.integer({
      description: "how long each node's admin listener may take to answer",
      default: 1000,
      min: 1,
    }),
    'data-dir': Flags.string({
      description:
        'data folder of a local `chat-node dev` or `chat-node cluster` (its members.json names the services)',
      default: DEFAULT_DATA_DIR,
      env: 'CHAT_DATA_DIR',
    }),
    'postgres-url': Flags.string({ description: 'Postgres URL', env: 'CHAT_POSTGRES_URL', helpGroup: 'SERVICES' }),
    'redis-url': Flags.string({
      description: 'Redis URL (where the nodes keep their leases)',
      env: 'CHAT_REDIS_URL',
      helpGroup: 'SERVICES',
    }),
    'redis-cluster': Flags.boolean({
      description: 'the Redis is a Redis Cluster: --redis-url names one or more of its nodes',
      env: 'CHAT_REDIS_CLUSTER',
      helpGroup: 'SERVICES',
    }),
    'nats-url': Flags.string({
      description: 'NATS servers, comma-separated',
      env: 'CHAT_NATS_URL',
      helpGroup: 'SERVICES',
    }),
    namespace: Flags.string({
      description: "the cluster's namespace (default chat)",
      env: 'CHAT_NAMESPACE',
      helpGroup: 'SERVICES',
    }),
    partitions: Flags.integer({
      description: 'send partitions the cluster runs with (default 16)',
      env: 'CHAT_PARTITIONS',
      helpGroup: 'SERVICES',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    const members = readMembersFile(flags['data-dir']);
    const target = statusTarget(
      {
        postgresUrl: flags['postgres-url'],
        redisUrl: flags['redis-url'],
        redisCluster: flags['redis-cluster'],
        natsUrl: flags['nats-url'],
        namespace: flags.namespace,
        partitions: flags.partitions,
        nodeTimeoutMs: flags['timeout-ms'],
      },
      members,
    );
    const note = sourceNote(target, membersFilePath(flags['data-dir']), members);
    const collector = new StatusCollector(target);
    try {
      if (flags.watch) {
        const frame = async () => {
          const status = await collector.collect();
          return flags.json ? [JSON.stringify(status)] : [...statusLines(status, note), ''];
        };
        await watchStatus(frame, flags.json ? { fullScreen: false } : {});
        return;
      }
      const status = await collector.collect();
      this.log(flags.json ? JSON.stringify(status, null, 2) : statusLines(status, note).join('\n'));
      if (!status.ok) process.exitCode = 1;
    } finally {
      await collector.close();
    }
  }
}
