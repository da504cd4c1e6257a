import { Args, Command, Flags } from '@oclif/core';
import { DEFAULT_DATA_DIR } from '../core/config/dev-secret.js';
import type { NodeTrace } from '../core/observability/recent-traces.js';
import { formatTrace } from '../core/observability/trace-report.js';
import { readMembersFile } from '../nodes/cluster/members-file.js';

export default class Trace extends Command {
  static override summary = "Print one message's way through the cluster, hop by hop, timed";
  static override description = [
    "Asks every node for what it saw of the message (GET /trace?msg=<id> on each node's admin listener): when the gateway received it, when the send stream stored it, when a fan-out pulled, committed and published it, and when each gateway wrote it (and its ack) to a socket. Each node keeps its newest 20,000 messages.",
    "The nodes are the ones --url names, else those `chat-node dev` or `chat-node cluster` listed in --data-dir (members.json), else http://127.0.0.1:9089 (a gateway's default --admin-port). A gateway run with --workers N answers for the worker the request reaches.",
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> trace 6754a1c2e0f4b7a9d3c1e2f5a6b7',
    {
      description: 'Asking the admin listeners of two nodes',
      command: '<%= config.bin %> trace 6754a1c2e0f4b7a9d3c1e2f5a6b7\n--url http://10.0.0.5:9089,http://10.0.0.6:9090',
    },
  ];
  static override args = {
    msgId: Args.string({ description: 'the message id (msgId of its ack or msg frame)', required: true }),
  };
  static override flags = {
    url: Flags.string({ description: "nodes' admin listeners, comma-separated (each one's --admin-port)" }),
    'data-dir': Flags.string({
      description: 'data folder of a local `chat-node dev` or `chat-node cluster`',
      default: DEFAULT_DATA_DIR,
      env: 'CHAT_DATA_DIR',
    }),
    json: Flags.boolean({ description: 'print what the nodes answered as JSON' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Trace);
    const urls = flags.url?.split(',').map((url) => url.trim().replace(/\/$/, '')) ??
      readMembersFile(flags['data-dir'])?.members.map((member) => member.http) ?? ['http://127.0.0.1:9089'];
    const nodes: NodeTrace[] = [];
    const unreachable: string[] = [];
    await Promise.all(
      urls.map(async (url) => {
        try {
          const response = await fetch(`${url}/trace?msg=${encodeURIComponent(args.msgId)}`, {
            signal: AbortSignal.timeout(5000),
          });
          if (!response.ok) throw new Error(`HTTP ${response.status}`);
          nodes.push(...((await response.json()) as { nodes: NodeTrace[] }).nodes);
        } catch (error) {
          unreachable.push(`${url} (${(error as Error).message})`);
        }
      }),
    );
    if (flags.json) {
      this.log(JSON.stringify({ msgId: args.msgId, nodes, unreachable }, null, 2));
    } else {
      for (const line of formatTrace(args.msgId, nodes)) this.log(line);
      for (const url of unreachable) this.warn(`no answer from ${url}`);
    }
    if (unreachable.length === urls.length) this.exit(1);
  }
}
