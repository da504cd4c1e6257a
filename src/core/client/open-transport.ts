import { WebSocketTransport } from './websocket-transport.js';
import type { InboundFrame } from './frames.js';
import { LongPollTransport } from './long-poll-transport.js';
import type { ClientTransport, ConnectionListener, TransportChoice, TransportOptions } from './transport.js';

/** What 'auto' learned across the attempts of one client: long-poll worked where the WebSocket did not. */
export interface TransportMemory {
  preferLongPoll: boolean;
}

/** Opens one attempt's link with the chosen transport. Throws on a malformed URL. */
export function openTransport(
  choice: TransportChoice,
  url: string,
  options: TransportOptions,
  listener: ConnectionListener,
  memory: TransportMemory,
): ClientTransport {
  if (choice === 'longpoll' || (choice === 'auto' && memory.preferLongPoll))
    return new LongPollTransport(url, options, listener);
  if (choice === 'ws') return new WebSocketTransport(wsUrlOf(url), options, listener);
  return new FallbackTransport(url, options, listener, memory);
}

/**
 * 'auto': a WebSocket first; when it closes without ever opening (the upgrade was refused,
 * or a proxy strips it), long-poll on the same gateway within the same attempt. Once a
 * long-poll session was welcomed, later attempts of the client go straight to long-poll.
 */
class FallbackTransport implements ClientTransport {
  private current: ClientTransport;

  constructor(
    readonly url: string,
    private readonly options: TransportOptions,
    private readonly listener: ConnectionListener,
    private readonly memory: TransportMemory,
  ) {
    let opened = false;
    let upgradeError: Error | undefined;
    this.current = new WebSocketTransport(wsUrlOf(url), options, {
      ...listener,
      onOpen: () => {
        opened = true;
        listener.onOpen();
      },
      // Until the socket opens, an error may only mean "no WebSocket here": keep it quiet.
      onError: (error) => (opened ? listener.onError(error) : (upgradeError = error)),
      onClose: (code, reason) => {
        if (opened || this.closing) {
          listener.onClose(code, reason);
          return;
        }
        listener.onError(new Error(`WebSocket to ${url} failed (${upgradeError?.message ?? code}); trying long-poll`));
        this.fallBack();
      },
    });
  }

  private closing = false;

  get kind(): 'ws' | 'longpoll' {
    return this.current.kind;
  }

  get isOpen(): boolean {
    return this.current.isOpen;
  }

  send(frame: Parameters<ClientTransport['send']>[0]): boolean {
    return this.current.send(frame);
  }

  watch(silenceMs: number): void {
    this.current.watch(silenceMs);
  }

  close(code?: number, reason?: string): Promise<void> {
    this.closing = true;
    return this.current.close(code, reason);
  }

  terminate(): void {
    this.closing = true;
    this.current.terminate();
  }

  private fallBack(): void {
    this.current = new LongPollTransport(this.url, this.options, {
      ...this.listener,
      onFrame: (frame: InboundFrame) => {
        if (frame.type === 'welcome') this.memory.preferLongPoll = true;
        this.listener.onFrame(frame);
      },
    });
  }
}

/** A WebSocket URL for the gateway: `http(s)://h:p` becomes `ws(s)://h:p/v1/ws`; ws URLs are kept. */
export function wsUrlOf(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return url;
  const path = parsed.pathname.replace(/\/$/, '');
  return `${parsed.protocol === 'https:' ? 'wss:' : 'ws:'}//${parsed.host}${path.endsWith('/v1/ws') ? path : `${path}/v1/ws`}`;
}
