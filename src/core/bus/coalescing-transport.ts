import { NodeTransport, nodeResolveHost } from '@nats-io/transport-node/lib/node_transport.js';
import { setTransportFactory } from '@nats-io/nats-core/internal';

/** Written at once past this many bytes, so a burst never waits for the loop's turn in memory. */
const MAX_HELD_BYTES = 256 * 1024;

/**
 * A NATS transport that writes once per event-loop turn: nats.js flushes its outbound buffer
 * in a microtask, so every publish made in its own I/O callback (each client's send on a
 * gateway, each settled batch on a fan-out) became a socket write of its own. On this 2-core
 * box a loopback write costs ~0.1 ms of CPU on each side (the kernel delivers to the server
 * inline), more than the message it carries: the gateway spent a quarter of its CPU in them.
 * Held until setImmediate, the writes of one turn go out as one; a quiet process adds
 * microseconds, a busy one coalesces more the busier it is.
 */
export class CoalescingTransport extends NodeTransport {
  private held: Uint8Array[] = [];
  private heldBytes = 0;
  private scheduled = false;

  override send(frame: Uint8Array): void {
    this.held.push(frame);
    this.heldBytes += frame.byteLength;
    if (this.heldBytes >= MAX_HELD_BYTES) {
      this.writeHeld();
    } else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.writeHeld();
      });
    }
  }

  override async close(err?: Error): Promise<void> {
    this.writeHeld();
    return super.close(err);
  }

  private writeHeld(): void {
    if (this.held.length === 0) return;
    const frames = this.held;
    this.held = [];
    this.heldBytes = 0;
    super.send(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
  }
}

/** Makes every NATS connection this process opens from now on use CoalescingTransport. */
export function useCoalescingTransport(): void {
  setTransportFactory({ factory: () => new CoalescingTransport(), dnsResolveFn: nodeResolveHost });
}
