import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CLOSE_CODES, DEFAULT_LIMITS, type Message, type ProtocolLimits, type Room } from '../protocol/index.js';
import { ChatError } from './chat-error.js';
import type { CursorStore } from './cursor-store.js';
import type { Ack, ChatClientEvents, ClientState, WelcomeInfo } from './events.js';
import {
  REPLY_TYPES,
  type ErrorReply,
  type InboundFrame,
  type InboundOf,
  type OutboundFrame,
  type ReplyTo,
  type RequestFrame,
} from './frames.js';
import { GapFiller } from './gap-filler.js';
import { MessageTimeline } from './message-timeline.js';
import {
  SILENT_HEARTBEATS,
  resolveOptions,
  type ChatClientOptions,
  type ResolvedChatClientOptions,
} from './options.js';
import { openTransport, type TransportMemory } from './open-transport.js';
import { Outbox } from './outbox.js';
import { PresenceBook } from './presence-book.js';
import { afterAttempt } from './reconnect-policy.js';
import { RequestTracker } from './request-tracker.js';
import { CorrespondentAsks } from './correspondent-asks.js';
import { RoomDirectory } from './room-directory.js';
import { TypingTracker } from './typing-tracker.js';
import type { ClientTransport } from './transport.js';
import type { Wire } from './wire.js';
import { waiter, type Waiter } from './waiter.js';

/** Most users in one presence.query (the protocol's limit). */
const PRESENCE_QUERY_MAX = 1000;

/**
 * One device's session with the cluster, kept up across gateway restarts and network loss,
 * with sync, de-duplication and an outbox: the state machine under ChatClient, which adds
 * the typed request API. Not used on its own.
 *
 * It drives a ClientTransport (WebSocket or long-poll) per attempt (hello, welcome, sync, reconnect) and routes
 * frames; the decisions live in the parts it wires together: MessageTimeline (order,
 * de-dup, gaps, sync rules), Outbox over SendQueue (sends until acked), GapFiller (history
 * requests for gaps), RoomDirectory (room counters), RequestTracker (replies, timeouts),
 * TypingTracker (who types where) and PresenceBook (the last presence heard per user).
 *
 * Over 400 lines: the whole reconnect cycle (attempt, hello, sync, resend, gap fill, presence
 * re-query) is one state machine whose steps guard on each other's state.
 */
export class DeviceSession extends EventEmitter<ChatClientEvents> {
  /** The cursors of this device (the store passed in, or the in-memory default). */
  readonly cursors: CursorStore;
  private readonly options: ResolvedChatClientOptions;
  private readonly timeline: MessageTimeline;
  private readonly directory = new RoomDirectory();
  private readonly requests: RequestTracker;
  private readonly outbox: Outbox;
  private readonly gaps: GapFiller;
  private readonly correspondentAsks: CorrespondentAsks;
  /** Typing of others: ended by their messages, cleared when the connection is lost. */
  protected readonly typists = new TypingTracker((event) => this.notify('typing', event));
  protected readonly presence = new PresenceBook();

  private current: ClientState = 'idle';
  private conn: ClientTransport | undefined;
  /** What transport 'auto' learned works here. */
  private readonly transportMemory: TransportMemory = { preferLongPoll: false };
  /** The welcome arrived on `conn`: requests and sends may be written. */
  private ready = false;
  private welcome: WelcomeInfo | undefined;
  private connecting: Waiter<WelcomeInfo> | undefined;
  private closing: Promise<void> | undefined;

  private urlIndex = 0;
  /** Failed attempts since the client was last live; drives the backoff. */
  private failures = 0;
  /** Set by a goaway: the next reconnect waits about this long instead of backing off. */
  private goawayInMs: number | undefined;
  /** An `unauthorized` error frame arrived on the current connection. */
  private tokenRejected = false;

  private reconnectTimer: NodeJS.Timeout | undefined;

  private requestCounter = 0;
  private messageCounter = 0;
  /** 72 random bits per client; with a counter, clientMsgIds unique per user without coordination. */
  private readonly messageIdPrefix = `${randomBytes(9).toString('base64url')}-`;

  constructor(options: ChatClientOptions) {
    super();
    this.options = resolveOptions(options);
    this.cursors = this.options.cursors;
    this.timeline = new MessageTimeline(this.cursors, { capacityPerRoom: this.options.reorderCapacity });
    this.requests = new RequestTracker(this.options.requestTimeoutMs);
    const wire: Wire = {
      writable: () => (this.ready ? this.conn : undefined),
      nextRequestId: () => this.nextRequestId(),
    };
    this.outbox = new Outbox(this.options, wire, (retry) => this.notify('retry', retry));
    this.correspondentAsks = new CorrespondentAsks(
      this.options.presenceAskDelayMs,
      (user) => this.presence.get(user) !== undefined,
      (users) => this.askPresence(users),
    );
    this.gaps = new GapFiller(this.timeline, this.requests, this.options.gapFillDelayMs, wire, {
      deliver: (messages) => this.deliver(messages),
      reportError: (error) => this.reportError(error),
    });
  }

  get state(): ClientState {
    return this.current;
  }

  /** The user of the token (after the first welcome). */
  get user(): string | undefined {
    return this.welcome?.user;
  }

  /** This device's id (after the first welcome). */
  get device(): string | undefined {
    return this.welcome?.device;
  }

  /** The limits of the last welcome; the protocol defaults before it. */
  get limits(): ProtocolLimits {
    return this.welcome?.limits ?? DEFAULT_LIMITS;
  }

  /** Sends waiting for their ack. */
  get pendingSends(): number {
    return this.outbox.size;
  }

  /**
   * Opens the connection, says hello, waits for welcome, resends unacked sends and syncs;
   * resolves once sync.done arrived (state 'live'). With autoReconnect, failed attempts
   * are retried until one gets there; it rejects when the client closes or gives up
   * (a fixed token rejected, or the first loss with autoReconnect off).
   */
  connect(): Promise<WelcomeInfo> {
    if (this.current === 'closed') return Promise.reject(new ChatError('closed', 'the client is closed'));
    if (this.current === 'live' && this.welcome) return Promise.resolve(this.welcome);
    if (!this.connecting) {
      this.connecting = waiter();
      if (this.current === 'idle') {
        this.setState('connecting');
        void this.openConnection();
      }
    }
    return this.connecting.promise;
  }

  /** Closes for good: no reconnect; pending requests and sends reject with `closed`. */
  close(): Promise<void> {
    if (!this.closing) {
      const conn = this.conn;
      this.giveUp(new ChatError('closed', 'the client was closed'));
      this.closing = conn ? conn.close(CLOSE_CODES.normal) : Promise.resolve();
    }
    return this.closing;
  }

  /** The rooms of the user with their counters, as of the frames seen so far. */
  rooms(): Room[] {
    return this.directory.list();
  }

  /** The last contiguous seq this device has of the room. */
  cursor(room: string): number {
    return this.timeline.cursor(room);
  }

  /**
   * Sends a message; resolves with its ack once it is committed. Not waiting for one ack
   * before the next send keeps order: the server numbers a connection's sends in order.
   * While offline the send waits in the outbox; after each reconnect every unacked send is
   * written again, in order, with the same clientMsgId, so nothing is stored twice.
   * Calling again with a clientMsgId that is still pending returns the same promise.
   * `rate_limited` and `unavailable` are retried after a wait (up to maxSendRetries
   * times); other error frames reject with a ChatError. No timeout: an outbox entry waits
   * for its ack across reconnects until it is acked, refused, or the client closes.
   */
  send(room: string, body: string, opts: { clientMsgId?: string } = {}): Promise<Ack> {
    if (this.current === 'closed') return Promise.reject(new ChatError('closed', 'the client is closed'));
    return this.outbox.submit(room, body, opts.clientMsgId ?? this.newClientMsgId(), this.limits);
  }

  /**
   * Sends any request and resolves with its reply (the frame with the same id), or rejects
   * with a ChatError on an error frame, a timeout or a lost connection. Made while offline,
   * it is written after the next welcome (its timeout runs meanwhile).
   */
  request<F extends RequestFrame>(frame: F): Promise<ReplyTo<F['type']>> {
    type K = F['type'];
    if (this.current === 'closed') return Promise.reject(new ChatError('closed', 'the client is closed'));
    const type: K = frame.type;
    const expected = REPLY_TYPES[type];
    const id = this.nextRequestId();
    const outbound = { ...frame, id } as unknown as OutboundFrame;
    return new Promise<ReplyTo<K>>((resolve, reject) => {
      const writable = this.ready && this.conn !== undefined;
      this.requests.track(
        id,
        outbound,
        {
          onReply: (reply) => {
            if (reply.type === expected) resolve(reply as ReplyTo<K>);
            else reject(new ChatError('invalid_frame', `${reply.type} in reply to ${type} (expected ${expected})`));
            return true;
          },
          onFail: reject,
        },
        writable,
      );
      if (writable) this.conn?.send(outbound);
    });
  }

  // --- for ChatClient's request API ---------------------------------------------------------

  /** Writes a frame that expects no reply; false when there is no welcomed connection. */
  protected writeNow(frame: OutboundFrame): boolean {
    return this.ready && this.conn !== undefined && this.conn.send(frame);
  }

  /** The client's current view of a room a reply carried (its counters may be newer). */
  protected viewOf(room: Room): Room {
    return this.directory.get(room.id) ?? room;
  }

  /** The user's own read position moved (a read request was answered). */
  /** The user's complete room list (every page of rooms.list): rooms not in it were left. */
  protected replaceRooms(rooms: readonly Room[]): void {
    for (const left of this.directory.replaceAll(rooms)) this.roomLeft(left);
  }

  protected noteOwnRead(room: string, seq: number): void {
    if (this.welcome) this.directory.noteRead(room, this.welcome.user, seq);
  }

  // --- connection lifecycle -------------------------------------------------------------

  private async openConnection(): Promise<void> {
    this.reconnectTimer = undefined;
    const url = this.options.urls[this.urlIndex % this.options.urls.length]!;
    this.urlIndex++;
    let token: string;
    try {
      token = typeof this.options.token === 'function' ? await this.options.token() : this.options.token;
    } catch (error) {
      if (this.current === 'closed') return;
      this.reportError(new ChatError('unauthorized', `the token provider failed: ${describe(error)}`));
      this.attemptEnded(1006, 'no token');
      return;
    }
    if (this.current === 'closed') return;
    let conn: ClientTransport;
    try {
      conn = openTransport(
        this.options.transport,
        url,
        {
          handshakeTimeoutMs: this.options.requestTimeoutMs,
          ...(this.options.localAddress !== undefined ? { localAddress: this.options.localAddress } : {}),
        },
        {
          onOpen: () => {
            conn.send({ type: 'hello', token });
            // Until welcome, the silence limit is the hello timeout.
            conn.watch(this.options.requestTimeoutMs);
          },
          onFrame: (frame) => {
            if (this.conn === conn) this.handleFrame(conn, frame);
          },
          onInvalidFrame: (reason) =>
            this.reportError(new ChatError('invalid_frame', `dropped a frame from ${url}: ${reason}`)),
          onSilent: (ms) =>
            this.reportError(new ChatError('timeout', `nothing from ${url} for ${ms} ms; reconnecting`)),
          onError: (error) => {
            // After close(), aborting a handshake is expected, not news.
            if (this.current !== 'closed') this.reportError(new ChatError('transport', `${url}: ${error.message}`));
          },
          onClose: (code, reason) => {
            if (this.conn === conn) this.connectionClosed(code, reason);
          },
        },
        this.transportMemory,
      );
    } catch (error) {
      // A malformed URL throws at once; treat it like a failed attempt (the next URL may work).
      this.reportError(new ChatError('transport', `${url}: ${describe(error)}`));
      this.attemptEnded(1006, 'bad url');
      return;
    }
    this.conn = conn;
  }

  private connectionClosed(code: number, reason: string): void {
    this.conn = undefined;
    this.ready = false;
    this.gaps.stop();
    this.correspondentAsks.cancel();
    this.typists.clear();
    this.timeline.connectionLost();
    this.outbox.connectionLost();
    this.requests.connectionLost(
      () => new ChatError('disconnected', `the connection closed (${code}) before the reply`),
    );
    this.attemptEnded(code, reason);
  }

  /** Decides what follows a lost connection (or an attempt that never got one). */
  private attemptEnded(code: number, reason: string): void {
    if (this.current === 'closed') return;
    const next = afterAttempt(
      { code, reason, tokenRejected: this.tokenRejected, goawayInMs: this.goawayInMs, failures: this.failures },
      {
        autoReconnect: this.options.autoReconnect,
        tokenRenewable: typeof this.options.token === 'function',
        backoff: this.options.backoff,
        random: this.options.random,
      },
    );
    this.tokenRejected = false;
    this.goawayInMs = undefined;
    if (next.action === 'give-up') {
      this.giveUp(next.error);
      return;
    }
    this.failures = next.failures;
    this.setState('reconnecting', next.delayMs);
    this.reconnectTimer = setTimeout(() => void this.openConnection(), next.delayMs);
  }

  /** Ends everything: state 'closed', no reconnect, every promise rejected with `error`. */
  private giveUp(error: ChatError): void {
    if (this.current === 'closed') return;
    this.setState('closed');
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.gaps.stop();
    this.correspondentAsks.cancel();
    this.typists.clear();
    this.requests.failAll(error);
    this.outbox.close(error);
    const connecting = this.connecting;
    this.connecting = undefined;
    connecting?.reject(error);
  }

  private welcomed(conn: ClientTransport, frame: InboundOf<'welcome'>): void {
    if (this.ready) return;
    this.welcome = { user: frame.user, device: frame.device, heartbeatMs: frame.heartbeatMs, limits: frame.limits };
    this.directory.setUser(frame.user);
    this.ready = true;
    conn.watch(Math.ceil(frame.heartbeatMs * SILENT_HEARTBEATS));
    this.setState('syncing');
    // Resends first: they do not depend on the sync, and the earlier they go the sooner
    // their acks (old or new) settle the outbox.
    this.outbox.flush();
    for (const frameToSend of this.requests.takeUnsent()) conn.send(frameToSend);
    this.startSync(conn);
  }

  /**
   * Sends a sync from the cursors; a sync.done with hasMore ends one page, and the next page is
   * asked for from the cursors the page moved. The sync is done (state 'live', 'synced') after
   * the last page.
   */
  private startSync(conn: ClientTransport): void {
    const id = this.nextRequestId();
    const frame: OutboundFrame = { type: 'sync', id, since: this.cursors.all() };
    this.timeline.beginSync();
    let received = 0;
    this.requests.track(
      id,
      frame,
      {
        onReply: (reply) => {
          if (reply.type === 'sync.batch') {
            this.requests.touch(id);
            received += reply.messages.length;
            this.deliver(this.timeline.acceptSyncBatch(reply.messages));
            return false;
          }
          // A page that brought nothing cannot move the cursors: asking again would loop.
          if (reply.type === 'sync.done' && reply.hasMore === true && received > 0) {
            this.syncPageDone(reply.rooms);
            this.startSync(conn);
            return true;
          }
          if (reply.type === 'sync.done') {
            this.synced(reply.rooms);
            return true;
          }
          this.reportError(new ChatError('invalid_frame', `${reply.type} in reply to sync`));
          return false;
        },
        onFail: (error) => {
          // A lost connection syncs again after the next welcome; anything else (an error
          // frame, a timeout) starts over on a new connection, with backoff.
          if (this.conn !== conn || this.current === 'closed') return;
          this.reportError(error);
          conn.terminate();
        },
      },
      true,
    );
    conn.send(frame);
  }

  /** One page of a sync that goes on: its room list and truncation jumps apply now (the next page's since depends on them). */
  private syncPageDone(rooms: Room[]): void {
    for (const left of this.directory.replaceAll(rooms)) this.roomLeft(left);
    this.deliver(this.timeline.finishSync(rooms, true));
  }

  private synced(rooms: Room[]): void {
    for (const left of this.directory.replaceAll(rooms)) this.roomLeft(left);
    this.deliver(this.timeline.finishSync(rooms));
    this.failures = 0;
    this.setState('live');
    this.notify('synced', rooms);
    const connecting = this.connecting;
    this.connecting = undefined;
    if (this.welcome) connecting?.resolve(this.welcome);
    this.gaps.schedule();
    this.refreshPresence();
  }

  /**
   * Asks again for the presence of every user the book holds. The server neither replays the
   * changes a device missed while offline nor says anything on connect (protocol "Reconnecting",
   * step 5), so without this a reconnected client would keep showing, say, a contact who came
   * back meanwhile as offline, until that contact's next change. The answer updates the book
   * and is a 'presence' event, like an unsolicited report.
   */
  private refreshPresence(): void {
    // Correspondents heard of while syncing are asked about with the rest.
    const users = [...new Set([...this.presence.users(), ...this.askedCorrespondents])];
    this.askedCorrespondents.clear();
    for (let i = 0; i < users.length; i += PRESENCE_QUERY_MAX) {
      this.request({ type: 'presence.query', users: users.slice(i, i + PRESENCE_QUERY_MAX) }).then(
        (reply) => {
          if (reply.users.length > 0) this.notify('presence', { users: reply.users });
        },
        // A lost connection refreshes again after the next sync; anything else is news.
        (error: ChatError) => {
          if (error.code !== 'disconnected' && error.code !== 'closed') this.reportError(error);
        },
      );
    }
  }

  // --- inbound frames ---------------------------------------------------------------------

  private handleFrame(conn: ClientTransport, frame: InboundFrame): void {
    switch (frame.type) {
      case 'welcome':
        this.welcomed(conn, frame);
        return;
      case 'msg': {
        const { room, sender, seq } = frame.message;
        // A message ends its sender's typing; a repeat of one already delivered says nothing new.
        const fresh = seq > this.timeline.cursor(room);
        this.deliver(this.timeline.acceptLive(frame.message));
        if (fresh) this.typists.messageFrom(room, sender);
        this.gaps.schedule();
        return;
      }
      case 'ack':
        this.acked(frame);
        return;
      case 'error':
        this.errorFrame(frame);
        return;
      case 'read':
        this.directory.noteRead(frame.room, frame.user, frame.seq);
        this.notify('read', { room: frame.room, user: frame.user, seq: frame.seq });
        return;
      case 'typing':
        this.typists.apply({ room: frame.room, user: frame.user, state: frame.state, ttlMs: frame.ttlMs });
        return;
      case 'goaway':
        // The server closes with 1012 next; attemptEnded uses this delay instead of backoff.
        this.goawayInMs = frame.reconnectInMs;
        return;
      case 'presence':
        // Query answers count too: they are the only presence members of large rooms get.
        this.presence.note(frame.users);
        if (frame.id !== undefined && this.requests.route(frame.id, frame)) return;
        this.notify('presence', { users: frame.users });
        return;
      case 'room':
        this.roomChanged(frame.room);
        break;
      case 'rooms':
        // One page of the list: rooms missing from it may be on another page (listRooms
        // replaces the whole list once it has every page).
        for (const room of frame.rooms) this.directory.applySnapshot(room);
        break;
      case 'pong':
      case 'ok':
      case 'history':
      case 'sync.batch':
      case 'sync.done':
        break;
    }
    // A reply whose request is gone (timed out, cancelled) is dropped.
    if (frame.id !== undefined) this.requests.route(frame.id, frame);
  }

  private roomChanged(room: Room): void {
    if (this.directory.applySnapshot(room) === 'left') {
      this.roomLeft(room.id);
      this.notify('room', room);
      return;
    }
    this.notify('room', this.directory.get(room.id) ?? room);
  }

  /** The user is no longer a member: nothing of the room is kept. */
  private roomLeft(room: string): void {
    this.timeline.forgetRoom(room);
    this.typists.forgetRoom(room);
  }

  private acked(frame: InboundOf<'ack'>): void {
    // By clientMsgId, not request id: the ack of a resend may answer a request id of a
    // connection that no longer exists.
    const entry = this.outbox.acknowledge(frame.clientMsgId);
    if (frame.id !== undefined) this.requests.route(frame.id, frame);
    if (!entry) return;
    const ack: Ack = {
      room: frame.room,
      clientMsgId: frame.clientMsgId,
      msgId: frame.msgId,
      seq: frame.seq,
      ts: frame.ts,
    };
    if (this.welcome) {
      // The sending device may not get its own `msg`; the ack and the body make it, so the
      // sender's timeline has no hole. If the `msg` comes too, it is a duplicate by seq.
      const own: Message = {
        room: ack.room,
        seq: ack.seq,
        msgId: ack.msgId,
        sender: this.welcome.user,
        senderDevice: this.welcome.device,
        clientMsgId: ack.clientMsgId,
        body: entry.body,
        ts: ack.ts,
      };
      this.deliver(this.timeline.acceptLive(own));
      this.gaps.schedule();
    }
    this.notify('ack', ack);
    entry.settle.resolve(ack);
  }

  private errorFrame(frame: ErrorReply): void {
    if (frame.id !== undefined && (this.requests.route(frame.id, frame) || this.outbox.refused(frame))) return;
    // Over the connection's frame budget, frames are dropped unread and answered once, without
    // id: sends are written again after the wait; other requests meet their timeout.
    if (frame.id === undefined && frame.code === 'rate_limited' && this.ready)
      this.outbox.framesDropped(frame.retryAfterMs);
    if (frame.code === 'unauthorized') this.tokenRejected = true;
    this.reportError(ChatError.fromFrame(frame));
  }

  // --- helpers ------------------------------------------------------------------------------

  private deliver(messages: readonly Message[]): void {
    const newcomers: string[] = [];
    for (const message of messages) {
      this.directory.noteMessage(message);
      if (this.isUnheardCorrespondent(message)) newcomers.push(message.sender);
      this.notify('message', message);
    }
    // Before live (a sync), refreshPresence asks for them once the sync is done.
    if (newcomers.length > 0 && this.current === 'live') this.correspondentAsks.add(newcomers);
  }

  /**
   * Users who wrote in a direct room, noted once each per connection: writing there is what makes
   * a user's presence visible to the other member. The server announces first messages; the rest
   * are asked for (CorrespondentAsks, and refreshPresence after a sync).
   */
  private readonly askedCorrespondents = new Set<string>();

  private isUnheardCorrespondent(message: Message): boolean {
    const { sender } = message;
    if (sender === this.welcome?.user || this.presence.get(sender) || this.askedCorrespondents.has(sender))
      return false;
    if (this.directory.get(message.room)?.kind !== 'direct') return false;
    this.askedCorrespondents.add(sender);
    return true;
  }

  private askPresence(users: string[]): void {
    if (this.current !== 'live') return;
    this.request({ type: 'presence.query', users }).then(
      (reply) => {
        if (reply.users.length > 0) this.notify('presence', { users: reply.users });
      },
      () => {},
    );
  }

  private setState(state: ClientState, reconnectInMs?: number): void {
    this.current = state;
    this.notify('state', reconnectInMs === undefined ? { state } : { state, reconnectInMs });
  }

  /**
   * Emits an event; a listener that throws is reported through 'error' instead of
   * unwinding the client half-way through a frame (its state is already updated).
   */
  private notify<K extends Exclude<keyof ChatClientEvents, 'error'>>(event: K, ...args: ChatClientEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: ChatClientEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      this.reportError(new ChatError('listener', `a '${event}' listener threw: ${describe(error)}`));
    }
  }

  /** 'error' is only emitted when someone listens: EventEmitter would throw it otherwise. */
  private reportError(error: ChatError): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }

  private nextRequestId(): string {
    this.requestCounter++;
    return this.requestCounter.toString(36);
  }

  private newClientMsgId(): string {
    this.messageCounter++;
    return this.messageIdPrefix + this.messageCounter.toString(36);
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
