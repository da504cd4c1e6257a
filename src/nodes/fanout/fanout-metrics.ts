import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../core/observability/metrics.js';

export interface FanoutMetrics {
  committed: Counter;
  rejected: Counter;
  commitFailures: Counter;
  batchSize: Histogram;
  statementSize: Histogram;
  commitSeconds: Histogram;
  lagSeconds: Histogram;
  partitionsOwned: Gauge;
  broadcastDeliveries: Gauge;
  pushDecisions: Counter;
}

export function createFanoutMetrics(registry: Registry): FanoutMetrics {
  return {
    committed: counter(
      registry,
      'chat_fanout_messages_committed_total',
      'Messages committed to Postgres (replays not counted)',
    ),
    rejected: counter(registry, 'chat_fanout_sends_rejected_total', 'Sends answered with an error, by code', ['code']),
    commitFailures: counter(
      registry,
      'chat_fanout_commit_failures_total',
      'Batch commits that failed and were retried',
    ),
    batchSize: histogram(
      registry,
      'chat_fanout_commit_batch_size',
      'Sends per partition batch',
      [1, 2, 5, 10, 20, 50, 100, 200, 500],
    ),
    statementSize: histogram(
      registry,
      'chat_fanout_commit_statement_sends',
      'Sends per commit statement (the batches of several partitions go together)',
      [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000],
    ),
    commitSeconds: histogram(
      registry,
      'chat_fanout_commit_seconds',
      'From a partition batch asking to commit to its commit (waiting for a statement included)',
    ),
    lagSeconds: histogram(registry, 'chat_fanout_lag_seconds', 'From the gateway receiving a send to its commit'),
    partitionsOwned: gauge(registry, 'chat_fanout_partitions_owned', 'Send partitions this worker holds'),
    broadcastDeliveries: gauge(
      registry,
      'chat_fanout_broadcast_deliveries',
      '1 while batches go to every gateway node before their route lookup (--broadcast-gateways), 0 by route',
    ),
    pushDecisions: counter(
      registry,
      'chat_fanout_push_decisions_total',
      'Push decisions per device and message: sent (queued) or suppressed, with the reason',
      ['decision', 'reason'],
    ),
  };
}
