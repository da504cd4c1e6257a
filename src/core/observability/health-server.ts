import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { NodeTrace, TraceSource } from './recent-traces.js';

export interface HealthChecks {
  /** Process is up (liveness). */
  healthy(): boolean;
  /** Can do its job end to end now (readiness); returns the failing parts. */
  ready(): Promise<string[]>;
}

/**
 * Serves /healthz, /readyz, /metrics and /trace?msg=<id> (what this process's roles saw of one
 * of their newest messages: `chat-node trace`). The gateway mounts the same handler on its
 * WebSocket port; other roles listen on their own --http-port.
 */
export interface HealthExtras {
  /** Serves /metrics with this instead of the registries (a worker of `gateway --workers N`: the whole node's). */
  metricsText?: () => Promise<string>;
  /** More metrics text to serve after the registries' (the role threads of `chat-node dev`). */
  moreMetrics?: () => Promise<string[]>;
  /** Where /trace looks. */
  traces?: () => TraceSource[];
}

export function healthHandler(registries: Registry | Registry[], checks: HealthChecks, extras: HealthExtras = {}) {
  const { metricsText, moreMetrics, traces = () => [] } = extras;
  const all = Array.isArray(registries) ? registries : [registries];
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const [path, query] = (req.url ?? '/').split('?');
    if (path === '/trace') {
      const msgId = new URLSearchParams(query ?? '').get('msg') ?? '';
      const found: NodeTrace[] = [];
      for (const source of traces()) {
        const part = await source.find(msgId);
        if (part) found.push({ node: source.node, role: source.role, ...part });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ msgId, nodes: found }));
      return true;
    }
    if (path === '/healthz') {
      const ok = checks.healthy();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ok }));
      return true;
    }
    if (path === '/readyz') {
      const failing = await checks.ready().catch((error: Error) => [error.message]);
      res
        .writeHead(failing.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ready: failing.length === 0, failing }));
      return true;
    }
    if (path === '/metrics') {
      const text = metricsText
        ? await metricsText()
        : [...(await Promise.all(all.map((registry) => registry.metrics()))), ...((await moreMetrics?.()) ?? [])].join('\n');
      res.writeHead(200, { 'content-type': all[0]!.contentType }).end(text);
      return true;
    }
    return false;
  };
}

export async function startHealthServer(port: number, host: string, registry: Registry, checks: HealthChecks, traces?: () => TraceSource[]): Promise<Server> {
  const handle = healthHandler(registry, checks, { traces });
  const server = createServer((req, res) => {
    handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz, /readyz, /metrics or /trace?msg=<id>\n');
      })
      .catch(() => res.writeHead(500).end());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

/** The port a server listens on (it may have asked for port 0). */
export function portOf(server: Server | undefined): number | undefined {
  const address = server?.address();
  return typeof address === 'object' && address ? address.port : undefined;
}
