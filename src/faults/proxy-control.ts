import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeMode, parseFaultMode } from './fault-mode.js';
import type { TcpFaultProxy } from './tcp-proxy.js';

/** Largest control request body; a mode is a few dozen bytes. */
const MAX_BODY = 4096;

/**
 * The HTTP control endpoint of `chat-node fault-proxy`, so an operator (curl) or a script can
 * switch a running proxy's mode:
 *
 * - `GET /` -> `{ listen, target, mode, stats, connections }`
 * - `PUT /mode` (or POST) with a FaultMode as JSON, e.g. `{"kind":"latency","ms":200}` -> the same state, 200;
 *   400 with `{ error }` when the body is not a mode
 * - `POST /heal` -> back to pass
 */
export class ProxyControl {
  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(
    proxy: TcpFaultProxy,
    host: string,
    port: number,
    onChange?: (line: string) => void,
  ): Promise<ProxyControl> {
    const server = createServer((req, res) => {
      handle(proxy, req, res, onChange).catch((error: unknown) =>
        reply(res, 500, { error: error instanceof Error ? error.message : String(error) }),
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port }, () => resolve());
    });
    return new ProxyControl(server, (server.address() as AddressInfo).port);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function state(proxy: TcpFaultProxy): Record<string, unknown> {
  return {
    listen: proxy.address,
    target: proxy.target,
    mode: proxy.mode,
    stats: proxy.stats(),
    connections: proxy.liveConnections(),
  };
}

async function handle(
  proxy: TcpFaultProxy,
  req: IncomingMessage,
  res: ServerResponse,
  onChange?: (line: string) => void,
): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://control').pathname;
  if (req.method === 'GET' && path === '/') return reply(res, 200, state(proxy));
  if (req.method === 'POST' && path === '/heal') {
    await proxy.heal();
    onChange?.('pass');
    return reply(res, 200, state(proxy));
  }
  if ((req.method === 'PUT' || req.method === 'POST') && path === '/mode') {
    let mode;
    try {
      mode = parseFaultMode(JSON.parse(await readBody(req)) as unknown);
    } catch (error) {
      return reply(res, 400, { error: error instanceof Error ? error.message : String(error) });
    }
    await proxy.setMode(mode);
    onChange?.(describeMode(mode));
    return reply(res, 200, state(proxy));
  }
  reply(res, 404, { error: 'GET /, PUT /mode with a JSON fault mode, or POST /heal' });
}

async function readBody(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) {
    body += (chunk as Buffer).toString('utf8');
    if (body.length > MAX_BODY) throw new Error(`a mode is at most ${MAX_BODY} bytes`);
  }
  return body;
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}
