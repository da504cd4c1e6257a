import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../core/observability/metrics.js';

export interface PresenceMetrics {
  onlineUsers: Gauge;
  onlineDevices: Gauge;
  events: Counter;
  changes: Counter;
  fanoutSize: Histogram;
  reapedNodes: Counter;
  changeSeconds: Histogram;
}

export function createPresenceMetrics(registry: Registry): PresenceMetrics {
  return {
    onlineUsers: gauge(registry, 'chat_presence_online_users', 'Users with at least one connected device'),
    onlineDevices: gauge(
      registry,
      'chat_presence_online_devices',
      'Connected devices across the cluster (routes on live gateways)',
    ),
    events: counter(registry, 'chat_presence_events_total', 'Device connect/disconnect events handled', ['kind']),
    changes: counter(registry, 'chat_presence_changes_total', 'User presence changes published', ['status']),
    fanoutSize: histogram(
      registry,
      'chat_presence_fanout_size',
      'Co-members told of one presence change',
      [0, 1, 2, 5, 10, 20, 50, 100, 200, 500],
    ),
    reapedNodes: counter(
      registry,
      'chat_presence_reaped_nodes_total',
      'Gateway nodes found dead (lease expired) and reaped',
    ),
    changeSeconds: histogram(
      registry,
      'chat_presence_change_seconds',
      'From the device event to the published change (online changes)',
    ),
  };
}
