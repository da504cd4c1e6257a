import { Command, Flags } from '@oclif/core';
import { clusterConfigOf, connectionFlags, jwtFlags, nodeFlags, serviceFlags } from '../cli/flags.js';
import { untilSignal } from '../cli/lifecycle.js';
import { createLogger } from '../core/observability/logger.js';
import { GatewayNode } from '../nodes/gateway/gateway-node.js';

export default class Gateway extends Command {
  static override summary = 'Run a gateway: holds client WebSocket connections and delivers their frames';
  static override description = `Serves the v1 protocol at ws://HOST:PORT/v1/ws (subprotocol chat.v1), with /healthz, /readyz and /metrics on the same port.
On SIGTERM it drains: every client gets a goaway frame with a jittered reconnect delay, then the socket closes with 1012.`;
  static override examples = ['CHAT_POSTGRES_URL=postgres://... CHAT_REDIS_URL=redis://... CHAT_NATS_URL=nats://... CHAT_JWT_SECRET=... <%= config.bin %> gateway --port 8080'];
  static override flags = {
    port: Flags.integer({ description: 'listen port', default: 8080, env: 'CHAT_PORT' }),
    host: Flags.string({ description: 'listen address', default: '0.0.0.0', env: 'CHAT_HOST' }),
    ...serviceFlags,
    ...jwtFlags,
    ...connectionFlags,
    ...nodeFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Gateway);
    const config = clusterConfigOf('gateway', flags);
    const log = createLogger('gateway', config.nodeId, config.logLevel);
    const node = new GatewayNode({ config, log, port: flags.port, host: flags.host });
    await node.start();
    await untilSignal(() => node.stop());
  }
}
