import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Gauge, type Registry } from 'prom-client';
import { ReadinessProbe } from './readiness-probe.js';
import type { NodeTrace, TraceSource } from './recent-traces.js';

export interface HealthChecks {
  /** Process is up (liveness). */
  healthy(): boolean;
  /** Can do its job end to end now (readiness); returns the failing parts. */
  ready(): Promise<string[]>;
}

/**
 * Serves /healthz, /readyz, /metrics and /trace?msg=<id> (what this process's roles saw of one
 * of their newest messages: `chat-node trace`) on a role's admin listener (--admin-port, on
 * 127.0.0.1 unless --admin-host says otherwise). None of it is for clients: metrics and traces name users and devices, and a readiness check costs
 * Postgres queries.
 */
export interface HealthExtras {
  /** Serves /metrics with this instead of the registries (a worker of `gateway --workers N`: the whole node's). */
  metricsText?: () => Promise<string>;
  /** More metrics text to serve after the registries' (the role threads of `chat-node dev`). */
  moreMetrics?: () => Promise<string[]>;
  /** Where /trace looks. */
  traces?: () => TraceSource[];
  /** A readiness answer is reused for this long (default 0: only probes that arrive while a check runs share it). */
  readyCacheMs?: number;
}

export function healthHandler(registries: Registry | Registry[], checks: HealthChecks, extras: HealthExtras = {}) {
  const { metricsText, moreMetrics, traces = () => [] } = extras;
  const all = Array.isArray(registries) ? registries : [registries];
  const readiness = new ReadinessProbe(() => checks.ready(), { cacheMs: extras.readyCacheMs ?? 0 });
  readinessGauge(all[0]!, readiness);
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
      const failing = await readiness.problems();
      res
        .writeHead(failing.length === 0 ? 200 : 503, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ready: failing.length === 0, failing }));
      return true;
    }
    if (path === '/metrics') {
      const text = metricsText
        ? await metricsText()
        : [...(await Promise.all(all.map((registry) => registry.metrics()))), ...((await moreMetrics?.()) ?? [])].join(
            '\n',
          );
      res.writeHead(200, { 'content-type': all[0]!.contentType }).end(text);
      return true;
    }
    return false;
  };
}

/** How long a scrape waits for the readiness check before counting the node not ready. */
const READY_GAUGE_WAIT_MS = 1000;

/**
 * `chat_ready`: 1 while /readyz would answer 200. Prometheus scrapes /metrics, not /readyz, so
 * alerting on readiness needs it here. It shares /readyz's probe (one check in flight), and a check
 * still running after a second counts as not ready: a hung Postgres must not stall the scrape, or
 * the node would look down rather than not ready.
 */
function readinessGauge(registry: Registry, readiness: ReadinessProbe): void {
  // A node started again on the same registry reports its new probe.
  registry.removeSingleMetric('chat_ready');
  new Gauge({
    name: 'chat_ready',
    help: '1 while this node is ready (its /readyz answers 200), 0 while not or while the check takes over a second',
    registers: [registry],
    async collect() {
      this.set((await readiness.problems(READY_GAUGE_WAIT_MS)).length === 0 ? 1 : 0);
    },
  });
}

export async function startHealthServer(
  port: number,
  host: string,
  registry: Registry,
  checks: HealthChecks,
  traces?: () => TraceSource[],
): Promise<Server> {
  return startAdminServer(port, host, healthHandler(registry, checks, { traces }));
}

/** A role's admin listener: `handle` answers, anything else is a 404. */
export async function startAdminServer(
  port: number,
  host: string,
  handle: ReturnType<typeof healthHandler>,
): Promise<Server> {
  const server = createServer((req, res) => {
    handle(req, res)
      .then((handled) => {
        if (!handled)
          res
            .writeHead(404, { 'content-type': 'text/plain' })
            .end('not found: try /healthz, /readyz, /metrics or /trace?msg=<id>\n');
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
