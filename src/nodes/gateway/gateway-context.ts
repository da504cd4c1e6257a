import type { SendBus } from '../../core/bus/send-bus.js';
import type { Logger } from 'pino';
import type { Subjects } from '../../core/bus/subjects.js';
import type { ClusterConfig } from '../../core/config/cluster-config.js';
import type { ErrorCode } from '../../core/protocol/errors.js';
import type { ReplyFrame } from '../../core/protocol/server-frames.js';
import type { PresenceStore } from '../../core/presence/presence-store.js';
import type { Deliverer } from '../../core/routing/deliverer.js';
import type { MessageReader } from './message-reader.js';
import type { MessageStore } from '../../core/storage/message-store.js';
import type { PushStore } from '../../core/storage/push-store.js';
import type { RoomStore } from '../../core/storage/room-store.js';
import type { HopTimers } from '../../core/observability/message-hops.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { LocalSessions, Session } from './local-sessions.js';
import type { OverdueAcks } from './overdue-acks.js';

/**
 * Everything the gateway's request side is built from: stores, the bus, the sessions of this
 * process. GatewayNode assembles it once; each module takes only its slice of it (SendContext,
 * ReadContext, SessionContext, ...), so its signature shows what it touches and a test hands it
 * only that.
 */
export interface GatewayContext {
  config: ClusterConfig;
  log: Logger;
  rooms: RoomStore;
  messages: MessageStore;
  reader: MessageReader;
  deliverer: Deliverer;
  /** Where accepted sends go (the send stream; rides out a stream without a leader: retryingPublishes). */
  sends: SendBus;
  subjects: Subjects;
  sessions: LocalSessions;
  metrics: GatewayMetrics;
  /** The hops this gateway ends: a send's publish, a message's write. */
  hops: HopTimers;
  presence: PresenceStore;
  push: PushStore;
  /** Sends stored on the stream and not answered by the fan-out yet (answers can be lost). */
  overdueAcks: OverdueAcks;
}

/** A session plus request/reply helpers for one inbound request. */
export interface RequestScope {
  session: Session;
  requestId: string | undefined;
  reply(frame: ReplyFrame): void;
  /** Aborted when the session ends or its writes fail: nobody is left to read the answer, so stop working on it. */
  signal: AbortSignal;
}

export function errorFrame(
  requestId: string | undefined,
  code: ErrorCode,
  message: string,
  retryAfterMs?: number,
): string {
  const frame: Record<string, unknown> = { type: 'error' };
  if (requestId !== undefined) frame.id = requestId;
  frame.code = code;
  frame.message = message;
  if (retryAfterMs !== undefined) frame.retryAfterMs = retryAfterMs;
  return JSON.stringify(frame);
}
