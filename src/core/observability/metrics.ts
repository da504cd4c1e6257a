import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds, fine below 10 ms where a healthy cluster lives. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * One registry per role, labelled by role and node, with Node's default metrics (RSS, event
 * loop lag) unless another role of the same process already reports them.
 */
export function createRegistry(role: string, nodeId: string, withProcessMetrics = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role, node: nodeId });
  if (withProcessMetrics) collectDefaultMetrics({ register: registry });
  return registry;
}

export function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function histogram(registry: Registry, name: string, help: string, buckets = LATENCY_BUCKETS, labelNames: string[] = []): Histogram {
  return new Histogram({ name, help, buckets, labelNames, registers: [registry] });
}
