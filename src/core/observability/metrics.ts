import { readFileSync } from 'node:fs';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Latency buckets in seconds, fine below 10 ms where a healthy cluster lives. */
export const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
];

/**
 * One registry per role, labelled by role and node, with Node's default metrics (RSS, event
 * loop lag) unless another role of the same process already reports them.
 */
export function createRegistry(role: string, nodeId: string, withProcessMetrics = true): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ role, node: nodeId });
  if (withProcessMetrics) {
    collectDefaultMetrics({ register: registry });
    eventLoopBusyCounter(registry);
  }
  return registry;
}

/**
 * `chat_event_loop_busy_seconds_total`: time this thread's event loop spent running code rather
 * than waiting. Its rate is the loop's utilisation (1 = saturated: work waits for the loop),
 * which CPU seconds alone cannot tell (a process waiting on the kernel's socket writes is busy
 * without its CPU figure saying so).
 */
export function eventLoopBusyCounter(registry: Registry): Counter {
  let counted = 0;
  return new Counter({
    name: 'chat_event_loop_busy_seconds_total',
    help: 'Time the event loop was busy (running code, not waiting for I/O); its rate is the loop utilisation',
    registers: [registry],
    collect() {
      const active = performance.eventLoopUtilization().active / 1000;
      if (active > counted) this.inc(active - counted);
      counted = active;
    },
  });
}

export function counter(registry: Registry, name: string, help: string, labelNames: string[] = []): Counter {
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function gauge(registry: Registry, name: string, help: string, labelNames: string[] = []): Gauge {
  return new Gauge({ name, help, labelNames, registers: [registry] });
}

export function histogram(
  registry: Registry,
  name: string,
  help: string,
  buckets = LATENCY_BUCKETS,
  labelNames: string[] = [],
): Histogram {
  return new Histogram({ name, help, buckets, labelNames, registers: [registry] });
}

/**
 * `chat_thread_cpu_seconds_total`: CPU time of the calling thread (Linux: /proc/thread-self), for
 * a process that runs roles on several threads (`chat-node dev`): its process CPU is every
 * thread's together, this is one thread's share. Not registered where /proc is missing.
 */
export function threadCpuCounter(registry: Registry): Counter | undefined {
  const read = (): number | undefined => {
    try {
      const stat = readFileSync('/proc/thread-self/stat', 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // utime and stime, in ticks of 1/100 s.
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return undefined;
    }
  };
  if (read() === undefined) return undefined;
  let counted = 0;
  return new Counter({
    name: 'chat_thread_cpu_seconds_total',
    help: "CPU time of this role's thread, where a process runs roles on several threads (process_cpu_seconds_total is all of them)",
    registers: [registry],
    collect() {
      const used = read() ?? counted;
      if (used > counted) this.inc(used - counted);
      counted = used;
    },
  });
}
