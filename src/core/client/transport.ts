import type { InboundFrame, OutboundFrame } from './frames.js';

/**
 * How a client reaches a gateway. 'ws': a WebSocket (`/v1/ws`). 'longpoll': HTTP long-polling
 * (`/v1/sessions`, `/v1/poll`, `/v1/frames`), for networks and clients that cannot hold a
 * WebSocket. 'auto': a WebSocket, falling back to long-poll when the upgrade fails (a proxy
 * strips it, say); once long-poll worked, later reconnects go straight to it.
 */
export type TransportChoice = 'ws' | 'longpoll' | 'auto';

export const TRANSPORT_CHOICES: readonly TransportChoice[] = ['ws', 'longpoll', 'auto'];

/** One connection attempt's link to a gateway, whatever carries it. DeviceSession drives it. */
export interface ClientTransport {
  readonly url: string;
  /** What carries this attempt now ('auto' resolves to one of the two). */
  readonly kind: 'ws' | 'longpoll';
  readonly isOpen: boolean;
  /** Writes one frame; false when the link is not open (the frame is dropped). */
  send(frame: OutboundFrame): boolean;
  /** Ends the link when nothing arrives for `silenceMs` (the transport may add its own hold time). */
  watch(silenceMs: number): void;
  /** Closes cleanly (1000 by default); resolves once closed. */
  close(code?: number, reason?: string): Promise<void>;
  /** Drops the link at once. */
  terminate(): void;
}

export interface TransportOptions {
  /** Local source address (the simulator binds 127.x.y.z addresses). */
  localAddress?: string;
  /** Longest time to open the link (WebSocket handshake, or session creation), in ms. */
  handshakeTimeoutMs: number;
  /** After close(), how long to wait for the server before dropping the link. */
  closeTimeoutMs?: number;
}

/** What a transport tells its user (DeviceSession) about one connection attempt. */
export interface ConnectionListener {
  onOpen(): void;
  onFrame(frame: InboundFrame): void;
  /** A frame that is not valid JSON or breaks the schema; it is dropped. */
  onInvalidFrame(reason: string): void;
  /** Nothing (no frame, no ping) arrived for `silenceMs`; the socket is being terminated. */
  onSilent(silenceMs: number): void;
  onError(error: Error): void;
  /** Always called exactly once, last. */
  onClose(code: number, reason: string): void;
}
