import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../core/observability/metrics.js';

export interface PusherMetrics {
  queueDepth: Gauge;
  sent: Counter;
  failed: Counter;
  retried: Counter;
  collapsed: Counter;
  deadTokens: Counter;
  providerSeconds: Histogram;
}

export function createPusherMetrics(registry: Registry): PusherMetrics {
  return {
    queueDepth: gauge(registry, 'chat_pusher_queue_depth', 'Push jobs waiting in the work queue, per platform', [
      'platform',
    ]),
    sent: counter(registry, 'chat_pusher_sent_total', 'Notifications the provider accepted', ['platform']),
    failed: counter(
      registry,
      'chat_pusher_failed_total',
      'Notifications dropped for good (rejected payloads), by reason',
      ['platform', 'reason'],
    ),
    retried: counter(
      registry,
      'chat_pusher_retried_total',
      'Notifications put back for a later try (throttled, provider error or down)',
      ['platform'],
    ),
    collapsed: counter(
      registry,
      'chat_pusher_collapsed_total',
      'Jobs folded into another notification of the same device and room',
      ['platform'],
    ),
    deadTokens: counter(
      registry,
      'chat_pusher_dead_tokens_removed_total',
      'Tokens the provider reported dead, removed',
      ['platform'],
    ),
    providerSeconds: histogram(
      registry,
      'chat_pusher_provider_seconds',
      'Provider request latency',
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      ['platform'],
    ),
  };
}
