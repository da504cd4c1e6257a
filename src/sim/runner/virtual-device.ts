import {
  ChatClient,
  MemoryCursorStore,
  type Message,
  type TokenSource,
  type TransportChoice,
} from '../../core/client/index.js';
import type {
  ConnectionWindow,
  PresenceViewRecord,
  PushRegistrationRecord,
  TypingViewRecord,
} from '../oracle/index.js';
import type { AckRecord, Delivery, PlannedSend } from '../sim-types.js';
import { PresenceWatch, typingView } from './device-views.js';

/** Epoch ms with sub-ms precision (Date.now() has whole ms, too coarse for 1-3 ms latencies). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}

export interface VirtualDeviceOptions {
  user: string;
  device: string;
  urls: string[];
  token: TokenSource;
  localAddress?: string;
  /** WebSocket, long-poll or auto (default ws). */
  transport?: TransportChoice;
  /** Called for every delivered copy with its latency (ms) from the scheduled send time. */
  onDelivery: (latencyMs: number, at: number, message: Message) => void;
  onAck: (latencyMs: number, at: number) => void;
  /** The push token to register when the device first connects (planned push devices). */
  push?: PushRegistrationRecord;
  /** Users whose presence this device shows (its co-members in rooms within the presence fan-out cap). */
  contacts?: readonly string[];
}

/**
 * One simulated device: the project's client library (reconnect, outbox, sync, de-duplication)
 * plus bookkeeping of what the user would see. Going offline closes the client; coming back
 * opens a new one with the same cursors, so it syncs what it missed like a real device.
 */
export class VirtualDevice {
  readonly deliveries: Delivery[] = [];
  readonly acks: AckRecord[] = [];
  readonly windows: ConnectionWindow[] = [];
  readonly cursors = new MemoryCursorStore();
  private client?: ChatClient;
  errors = 0;
  /** The token registered on the first connect, once the server took it. */
  pushRegistered?: PushRegistrationRecord;
  /** When the current connection went live (ms, epoch). */
  liveAt: number | null = null;
  private readonly presenceWatch: PresenceWatch;
  /** Clients made so far (one per connect()): the current one's number, for the send-order check. */
  private clients = 0;
  /** Sends made so far, over all clients: each send's place in the device's order. */
  private sends = 0;
  /** Sends the server answered "try later" (their acks say `retried`). */
  private readonly retried = new Set<string>();

  constructor(readonly options: VirtualDeviceOptions) {
    this.presenceWatch = new PresenceWatch(options.contacts ?? []);
  }

  get user(): string {
    return this.options.user;
  }

  get device(): string {
    return this.options.device;
  }

  /** Meant to be online: between connect() and disconnect(), whether or not its client is connected right now. */
  get online(): boolean {
    return this.client !== undefined;
  }

  /** Connected and synced now (not connecting or reconnecting). */
  get live(): boolean {
    return this.client?.state === 'live';
  }

  async connect(): Promise<void> {
    if (this.client) return;
    const client = new ChatClient({
      urls: this.options.urls,
      token: this.options.token,
      cursors: this.cursors,
      localAddress: this.options.localAddress,
      transport: this.options.transport ?? 'ws',
      sendQueueLimit: 100_000,
      maxSendRetries: 1000,
    });
    client.on('message', (message) => this.record(message));
    client.on('error', () => this.errors++);
    client.on('retry', (retry) => this.retried.add(retry.clientMsgId));
    this.clients++;
    this.client = client;
    this.presenceWatch.attach(client);
    this.windows.push({ from: Date.now(), to: null });
    await client.connect();
    this.liveAt = Date.now();
    const window = this.windows.at(-1);
    if (window && this.client === client) window.liveAt = this.liveAt;
    const { push } = this.options;
    if (push && !this.pushRegistered) {
      // A refused registration shows in the push check as push-unregistered, not as a failed connect.
      await client.registerPush(push.platform, push.token).then(
        () => (this.pushRegistered = push),
        () => this.errors++,
      );
    }
    await this.presenceWatch.query().catch(() => this.errors++);
  }

  async disconnect(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = undefined;
    this.liveAt = null;
    const window = this.windows.at(-1);
    if (window) window.to = Date.now();
    await client.close();
  }

  /** Sends on the open-loop schedule: `sentAt` is when it was due, not when the event loop got to it. */
  send(planned: PlannedSend, roomId: string, sentAt: number): Promise<void> {
    const client = this.client;
    if (!client) return Promise.resolve();
    const stamp = `${sentAt}|`;
    const body = stamp + 'x'.repeat(Math.max(0, planned.bodyChars - stamp.length));
    const from = { client: this.clients, order: this.sends++ };
    return client.send(roomId, body, { clientMsgId: planned.clientMsgId }).then(
      (ack) => {
        const now = preciseNow();
        const record: AckRecord = {
          user: this.user,
          device: this.device,
          room: ack.room,
          clientMsgId: ack.clientMsgId,
          seq: ack.seq,
          msgId: ack.msgId,
          sentAt,
          ackedAt: now,
          ...from,
        };
        if (this.retried.delete(ack.clientMsgId)) record.retried = true;
        this.acks.push(record);
        this.options.onAck(now - sentAt, now);
      },
      () => {
        this.errors++;
      },
    );
  }

  typing(roomId: string): void {
    this.client?.setTyping(roomId, 'start');
  }

  /** Marks every room read up to its last seq (read-state convergence is checked across devices). */
  async readAll(): Promise<void> {
    const client = this.client;
    if (!client) return;
    await Promise.all(
      client
        .rooms()
        .filter((room) => room.lastSeq > room.readSeq)
        .map((room) => client.markRead(room.id, room.lastSeq).catch(() => this.errors++)),
    );
  }

  readState(): { readSeq: Record<string, number>; rooms: Record<string, number> } {
    const readSeq: Record<string, number> = {};
    const rooms: Record<string, number> = {};
    for (const room of this.client?.rooms() ?? []) {
      readSeq[room.id] = room.readSeq;
      rooms[room.id] = room.lastSeq;
    }
    return { readSeq, rooms };
  }

  /** Every contact shows online in this device's presence book. */
  presenceConverged(): boolean {
    return this.presenceWatch.allOnline();
  }

  presenceView(): PresenceViewRecord {
    return this.presenceWatch.view(this.user, this.device, this.online ? this.liveAt : null);
  }

  typingView(): TypingViewRecord {
    return typingView(this.user, this.device, this.client);
  }

  private record(message: Message): void {
    const at = preciseNow();
    this.deliveries.push({
      room: message.room,
      seq: message.seq,
      clientMsgId: message.clientMsgId,
      sender: message.sender,
      at,
    });
    // The sender's own device sees its message from the ack; only other copies are deliveries.
    if (message.sender === this.user && message.senderDevice === this.device) return;
    const sentAt = Number(message.body.slice(0, message.body.indexOf('|')));
    // A message sent while this device was offline arrives by sync: that is catch-up, not latency.
    const connectedSince = this.windows.at(-1)?.from ?? 0;
    if (Number.isFinite(sentAt) && sentAt > 0 && sentAt >= connectedSince)
      this.options.onDelivery(at - sentAt, at, message);
  }
}
