import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { Logger } from 'pino';
import { RestartBackoff } from '../../core/process/restart-backoff.js';

/**
 * A gateway node that uses every core: N worker processes share one listening port (Node
 * cluster), each a gateway of its own (own node id `<node>-w<i>`, own NATS subject, own
 * sockets, and its own ~20k file descriptors). The primary only supervises: it restarts a
 * worker that dies, forwards SIGTERM for a graceful drain, and answers /metrics for the whole
 * node by gathering every worker's registry.
 */
const WORKER_INDEX_ENV = 'CHAT_GATEWAY_WORKER_INDEX';
const WORKER_COUNT_ENV = 'CHAT_GATEWAY_WORKER_COUNT';
/** The admin port the primary chose: workers share it, as they share the client port. */
const WORKER_ADMIN_PORT_ENV = 'CHAT_GATEWAY_WORKER_ADMIN_PORT';
const METRICS_REQUEST = 'chat:gateway-metrics-request';
const METRICS_RESPONSE = 'chat:gateway-metrics-response';
const STOP = 'chat:gateway-stop';

interface MetricsRequest {
  type: typeof METRICS_REQUEST;
  id: string;
}

interface MetricsResponse {
  type: typeof METRICS_RESPONSE;
  id: string;
  text: string;
}

export function isGatewayWorker(): boolean {
  return cluster.isWorker && process.env[WORKER_INDEX_ENV] !== undefined;
}

export function workerIndex(): number {
  return Number(process.env[WORKER_INDEX_ENV] ?? 0);
}

/** Worker: the admin listener's port its primary chose. */
export function workerAdminPort(): number {
  return Number(process.env[WORKER_ADMIN_PORT_ENV]);
}

/**
 * The gateway's Postgres pool when CHAT_POSTGRES_POOL does not say: 10 for a lone process; the
 * processes of one node share 12 (at least 3 each), since 6 workers of 10 took 60 of a default
 * Postgres's 100 connections and the cluster's other roles were refused ("too many clients").
 */
export function defaultGatewayPoolSize(
  workers = isGatewayWorker() ? Number(process.env[WORKER_COUNT_ENV] ?? 1) : 1,
): number {
  return workers > 1 ? Math.max(3, Math.ceil(12 / workers)) : 10;
}

/**
 * Primary: runs `count` workers until SIGTERM/SIGINT, then stops them gracefully. `adminPort` is a
 * port number, not 0: Node's cluster hands every listen(0) of a worker the same port, so the
 * client and the admin listener would share one socket.
 */
export async function superviseGatewayWorkers(
  count: number,
  log: Logger,
  env: Record<string, string>,
  adminPort: number,
): Promise<void> {
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  const byIndex = new Map<number, Worker>();
  /** Per worker, how many of its two listeners (client port first, then admin) listen. */
  const listening = new Map<number, number>();
  const restartBackoffs = new Map<number, RestartBackoff>();
  const fork = (index: number) => {
    const startedAt = Date.now();
    const worker = cluster.fork({
      ...env,
      [WORKER_INDEX_ENV]: String(index),
      [WORKER_COUNT_ENV]: String(count),
      [WORKER_ADMIN_PORT_ENV]: String(adminPort),
    });
    byIndex.set(index, worker);
    // The port takes connections as soon as the first worker listens, but the primary only
    // hands them to workers that listen: say the node is up once every worker is.
    let clientPort = 0;
    worker.on('listening', (address) => {
      const listeners = (listening.get(index) ?? 0) + 1;
      if (listeners > 2) return;
      listening.set(index, listeners);
      if (listeners === 1) clientPort = address.port;
      if (listeners === 2 && [...listening.values()].filter((n) => n === 2).length === count) {
        log.info({ port: clientPort, adminPort, workers: count }, 'gateway node listening on every worker');
      }
    });
    worker.on('message', (message: MetricsRequest) => {
      if (message?.type !== METRICS_REQUEST) return;
      aggregator
        .clusterMetrics()
        .then((text) => worker.send({ type: METRICS_RESPONSE, id: message.id, text } satisfies MetricsResponse))
        .catch((error: Error) =>
          worker.send({ type: METRICS_RESPONSE, id: message.id, text: `# metrics unavailable: ${error.message}\n` }),
        );
    });
    worker.on('exit', (code, signal) => {
      if (byIndex.get(index) === worker) byIndex.delete(index);
      if (stopping) return;
      const backoff = restartBackoffs.get(index) ?? new RestartBackoff();
      restartBackoffs.set(index, backoff);
      const delayMs = backoff.next(Date.now() - startedAt);
      log.error({ worker: index, code, signal, restartInMs: delayMs }, 'gateway worker died; starting another');
      setTimeout(() => !stopping && fork(index), delayMs);
    });
  };
  for (let index = 1; index <= count; index++) fork(index);
  log.info({ workers: count }, 'gateway node started its workers');
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'stopping gateway workers');
      const workers = [...byIndex.values()];
      if (workers.length === 0) resolve();
      let left = workers.length;
      for (const worker of workers) {
        worker.once('exit', () => --left === 0 && resolve());
        // A message, not a signal: a SIGTERM to the whole process group already reached the
        // workers, and a second signal would make them skip their drain.
        worker.send({ type: STOP });
        setTimeout(() => worker.process.kill('SIGKILL'), 30_000).unref();
      }
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/** Worker: calls `stop` when the primary asks for a graceful stop. */
export function onSupervisorStop(stop: () => void): void {
  process.on('message', (message: { type?: string }) => {
    if (message?.type === STOP) stop();
  });
}

/** Worker: reports its registries to the primary, and asks it for the node's metrics. */
export function workerMetrics(registries: Registry[]): () => Promise<string> {
  AggregatorRegistry.setRegistries(registries);
  new AggregatorRegistry(); // installs the worker's listener for the primary's metric requests
  const pending = new Map<string, (text: string) => void>();
  process.on('message', (message: MetricsResponse) => {
    if (message?.type !== METRICS_RESPONSE) return;
    pending.get(message.id)?.(message.text);
    pending.delete(message.id);
  });
  return () =>
    new Promise((resolve) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        pending.delete(id);
        resolve('# metrics of the other workers did not arrive in time\n');
      }, 5000);
      pending.set(id, (text) => {
        clearTimeout(timer);
        resolve(text);
      });
      process.send?.({ type: METRICS_REQUEST, id } satisfies MetricsRequest);
    });
}
