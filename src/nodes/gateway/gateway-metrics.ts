import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { counter, gauge, histogram } from '../../core/observability/metrics.js';

export interface GatewayMetrics {
  connections: Gauge;
  users: Gauge;
  framesIn: Counter;
  framesOut: Counter;
  errors: Counter;
  acks: Counter;
  sendsRepublished: Counter;
  ackSeconds: Histogram;
  handshakes: Counter;
  slowConsumers: Counter;
  framesDropped: Counter;
  badFrameCloses: Counter;
  pendingRefused: Counter;
  typing: Counter;
}

export function createGatewayMetrics(registry: Registry): GatewayMetrics {
  return {
    connections: gauge(registry, 'chat_gateway_connections', 'Open authenticated WebSocket connections'),
    users: gauge(registry, 'chat_gateway_users', 'Distinct users connected to this gateway process'),
    framesIn: counter(registry, 'chat_gateway_frames_in_total', 'Frames received, by type', ['type']),
    framesOut: counter(registry, 'chat_gateway_frames_out_total', 'Frames written to sockets'),
    errors: counter(registry, 'chat_gateway_error_frames_total', 'Error frames sent, by code', ['code']),
    acks: counter(registry, 'chat_gateway_acks_total', 'Send acks written to senders'),
    sendsRepublished: counter(
      registry,
      'chat_gateway_sends_republished_total',
      'Sends stored on the stream but left unanswered by the fan-out (a lost answer), published again',
    ),
    ackSeconds: histogram(registry, 'chat_gateway_ack_seconds', 'From receiving a send frame to writing its ack'),
    handshakes: counter(registry, 'chat_gateway_handshakes_total', 'Hello outcomes', ['outcome']),
    slowConsumers: counter(
      registry,
      'chat_gateway_slow_consumers_total',
      'Connections closed for not reading their frames',
    ),
    framesDropped: counter(
      registry,
      'chat_gateway_frames_dropped_total',
      "Frames dropped unread: sent over their connection's frame budget",
    ),
    badFrameCloses: counter(
      registry,
      'chat_gateway_bad_frame_closes_total',
      'Connections closed (4400) for sending more bad frames than allowed',
    ),
    pendingRefused: counter(
      registry,
      'chat_gateway_pending_refused_total',
      'Upgrades and long-poll session creations refused with 429: their client address held --max-pending-per-ip connections without hello',
      ['transport'],
    ),
    typing: counter(registry, 'chat_gateway_typing_total', 'Typing frames received, forwarded or throttled', [
      'outcome',
    ]),
  };
}
