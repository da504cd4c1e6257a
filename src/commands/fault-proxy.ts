import { Command, Flags } from '@oclif/core';
import { untilSignal } from '../cli/lifecycle.js';
import { describeMode, parseFaultMode, TcpFaultProxy, type FaultMode } from '../faults/tcp-proxy.js';
import { ProxyControl } from '../faults/proxy-control.js';

export default class FaultProxy extends Command {
  static override summary = 'A TCP proxy that injects network faults between a role and a service';
  static override description = [
    "Listens on --listen and forwards every connection to --target. Point a role at the listen address instead of the service, then switch the proxy's mode at runtime through its HTTP control endpoint (--control): GET / shows the mode, byte counts and live connections, PUT /mode sets a mode, POST /heal goes back to pass.",
    [
      'curl -s localhost:15400/',
      'curl -s -X PUT localhost:15400/mode -d \'{"kind":"latency","ms":200}\'',
      'curl -s -X PUT localhost:15400/mode -d \'{"kind":"drop","direction":"up"}\'',
      'curl -s -X POST localhost:15400/heal',
    ].join('\n'),
    'Modes: pass, latency {ms, jitterMs}, drop, blackhole (nothing flows, connections stay open), bandwidth {bytesPerSec}, each of these four with an optional direction (up = client to target, down = target to client, both); reset (RST every connection), refuse (close the listener). See docs/faults.md.',
  ].join('\n\n');
  static override examples = [
    '<%= config.bin %> fault-proxy --listen 127.0.0.1:15432 --target 127.0.0.1:5432',
    {
      description: 'Redis, with 100 ms of latency from the start',
      command:
        '<%= config.bin %> fault-proxy --listen 127.0.0.1:16379 --target 127.0.0.1:6379\n--mode \'{"kind":"latency","ms":100}\'',
    },
  ];
  static override flags = {
    listen: Flags.string({ description: 'host:port to listen on (port 0: a free one, printed)', required: true }),
    target: Flags.string({ description: 'host:port of the real service', required: true }),
    control: Flags.string({ description: 'host:port of the HTTP control endpoint', default: '127.0.0.1:15400' }),
    mode: Flags.string({ description: 'mode to start in, as JSON (default {"kind":"pass"})' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(FaultProxy);
    const listen = this.hostPort('listen', flags.listen);
    const target = this.hostPort('target', flags.target);
    const control = this.hostPort('control', flags.control);
    let mode: FaultMode = { kind: 'pass' };
    if (flags.mode !== undefined) {
      try {
        mode = parseFaultMode(JSON.parse(flags.mode) as unknown);
      } catch (error) {
        this.error(`--mode: ${(error as Error).message}`, { exit: 2 });
      }
    }
    const log = (line: string) => process.stderr.write(`chat-node fault-proxy: ${line}\n`);
    const proxy = await TcpFaultProxy.start({
      listenHost: listen.host,
      listenPort: listen.port,
      targetHost: target.host,
      targetPort: target.port,
      mode,
    });
    const endpoint = await ProxyControl.start(proxy, control.host, control.port, (line) => log(`mode ${line}`));
    log(
      `${proxy.address} -> ${proxy.target}, mode ${describeMode(mode)}; control http://${control.host}:${endpoint.port}/`,
    );
    await untilSignal(async () => {
      await endpoint.close();
      await proxy.close();
    });
  }

  private hostPort(flag: string, value: string): { host: string; port: number } {
    const match = /^(.+):(\d+)$/.exec(value);
    const port = Number(match?.[2]);
    if (!match || port > 65_535) this.error(`--${flag} must be host:port, e.g. 127.0.0.1:15432`, { exit: 2 });
    return { host: match[1]!, port };
  }
}
