import type { ClientState, Message, PresenceStatus, Room, StateChange } from '../core/client/index.js';
import { InputLine } from './input-line.js';

/**
 * Everything `chat-node chat` shows: rooms, each room's messages, sends waiting for their
 * ack, who is typing, presence, the connection, the input line, the scroll position. Pure:
 * chat-app feeds it the client's events and the user's keys; screen.ts draws it.
 */

export interface Identity {
  user: string;
  device: string;
}

export type Tone = 'info' | 'ok' | 'warn' | 'error';

/** A message typed here that has no ack yet: "sending" (queued while offline), or "failed". */
export interface PendingSend {
  clientMsgId: string;
  room: string;
  body: string;
  at: number;
  state: 'sending' | 'failed';
  error?: string;
}

/** A line of the client's own in a room's timeline (connection lost, room made, ...), never sent. */
export interface Notice {
  room: string;
  /** Shown after the message with this seq (the room's newest when the notice was made). */
  afterSeq: number;
  at: number;
  text: string;
  tone: Tone;
}

export interface RoomTimeline {
  /** Ascending by seq, each seq once. */
  messages: Message[];
  /** The server has messages below messages[0] (or the room was not loaded yet). */
  hasOlder: boolean;
  /** The newest page was fetched, or nothing needed fetching. */
  loaded: boolean;
  /** A history request for this room is running. */
  loading: boolean;
  notices: Notice[];
}

export interface ConnectionView {
  state: ClientState;
  /** With 'reconnecting': when the next attempt starts (ms since the epoch). */
  reconnectAt?: number;
  /** Why the connection is down, when known (the last transport error, or why the client gave up). */
  detail?: string;
  /** The client was live at least once. */
  everLive: boolean;
}

/** A transient message on the status row. */
export interface StatusMessage {
  text: string;
  tone: Tone;
  until: number;
}

/** A panel drawn over the message pane until Esc (or a room switch, or Enter) closes it. */
export type Panel = { kind: 'help' } | { kind: 'rooms' } | { kind: 'members'; room: string };

/** How long a status message stays, in ms. */
export const STATUS_MS = 6000;

/** Messages kept per room; older ones are dropped and paged in again from the server when scrolled to. */
export const TIMELINE_LIMIT = 5000;

export class ChatState {
  identity: Identity | undefined;
  connection: ConnectionView = { state: 'idle', everLive: false };
  readonly input = new InputLine();
  /** Lines scrolled up from the newest (0: following the newest messages). */
  scroll = 0;
  /** Messages that arrived in the open room while scrolled up. */
  newBelow = 0;
  panel: Panel | undefined;
  /** Lines the panel is scrolled down. */
  panelScroll = 0;
  status: StatusMessage | undefined;
  /** The terminal has focus (focus reporting); only what is seen is marked read. */
  focused = true;

  private roomList: Room[] = [];
  private openId: string | undefined;
  private readonly timelines = new Map<string, RoomTimeline>();
  private pendingSends: PendingSend[] = [];
  private readonly typists = new Map<string, string[]>();
  private readonly presenceByUser = new Map<string, PresenceStatus>();
  /** Messages delivered since the connection was lost (reported when it is back). */
  private caughtUp = 0;

  // --- rooms ------------------------------------------------------------------------------

  get rooms(): readonly Room[] {
    return this.roomList;
  }

  get openRoomId(): string | undefined {
    return this.openId;
  }

  get openRoom(): Room | undefined {
    return this.openId === undefined ? undefined : this.room(this.openId);
  }

  room(id: string): Room | undefined {
    return this.roomList.find((room) => room.id === id);
  }

  /** The client's room list (with counters); sorted by name so positions (Alt-1..9) stay put. */
  setRooms(rooms: readonly Room[]): void {
    this.roomList = [...rooms].sort(
      (a, b) =>
        this.displayName(a).localeCompare(this.displayName(b), undefined, { sensitivity: 'base' }) ||
        a.id.localeCompare(b.id),
    );
    for (const id of this.timelines.keys()) if (!this.room(id)) this.timelines.delete(id);
    if (this.openId !== undefined && !this.room(this.openId)) this.openId = undefined;
  }

  /** Direct rooms by the other member; groups by name, else by their members. */
  displayName(room: Room): string {
    if (room.kind === 'direct') return this.peerOf(room) ?? room.id;
    if (room.name.trim() !== '') return room.name;
    const others = room.members.filter((member) => member !== this.identity?.user);
    return others.length > 0 ? others.join(', ') : room.id;
  }

  /** The other member of a direct room. */
  peerOf(room: Room): string | undefined {
    if (room.kind !== 'direct') return undefined;
    return room.members.find((member) => member !== this.identity?.user) ?? room.members[0];
  }

  /** Opens a room; false when there is no such room. */
  open(id: string): boolean {
    if (!this.room(id)) return false;
    if (this.openId !== id) {
      this.openId = id;
      this.scroll = 0;
      this.newBelow = 0;
    }
    this.closePanel();
    return true;
  }

  /** The room `delta` places after the open one in the list (wrapping around). */
  roomAfter(delta: number): Room | undefined {
    if (this.roomList.length === 0) return undefined;
    const at = this.roomList.findIndex((room) => room.id === this.openId);
    const from = at < 0 ? (delta > 0 ? -1 : 0) : at;
    const n = this.roomList.length;
    return this.roomList[(((from + delta) % n) + n) % n];
  }

  /** The next room after the open one with unread messages. */
  nextUnread(): Room | undefined {
    const n = this.roomList.length;
    const at = this.roomList.findIndex((room) => room.id === this.openId);
    for (let step = 1; step <= n; step++) {
      const room = this.roomList[(at + step + n) % n]!;
      if (room.unread > 0 && room.id !== this.openId) return room;
    }
    return undefined;
  }

  /**
   * A room named by the user: its number in the list (1-based), its id, its display name, or
   * the start of a display name when only one room starts so.
   */
  findRoom(target: string): Room | undefined {
    if (/^\d+$/.test(target)) {
      const byNumber = this.roomList[Number(target) - 1];
      if (byNumber) return byNumber;
    }
    const byId = this.room(target);
    if (byId) return byId;
    const wanted = target.replace(/^[#@]/, '').toLowerCase();
    const exact = this.roomList.filter((room) => this.displayName(room).toLowerCase() === wanted);
    if (exact.length > 0) return exact[0];
    const prefix = this.roomList.filter((room) => this.displayName(room).toLowerCase().startsWith(wanted));
    return prefix.length === 1 ? prefix[0] : undefined;
  }

  showPanel(panel: Panel): void {
    this.panel = panel;
    this.panelScroll = 0;
  }

  closePanel(): void {
    this.panel = undefined;
    this.panelScroll = 0;
  }

  // --- messages -----------------------------------------------------------------------------

  timeline(room: string): RoomTimeline {
    let timeline = this.timelines.get(room);
    if (!timeline) {
      timeline = { messages: [], hasOlder: true, loaded: false, loading: false, notices: [] };
      this.timelines.set(room, timeline);
    }
    return timeline;
  }

  /** A message entered the client's timeline (live, synced, or the ack of our own). True when new here. */
  addMessage(message: Message): boolean {
    const timeline = this.timeline(message.room);
    if (message.sender === this.identity?.user) {
      this.pendingSends = this.pendingSends.filter((send) => send.clientMsgId !== message.clientMsgId);
    }
    if (!insertBySeq(timeline.messages, message)) return false;
    if (timeline.messages.length > TIMELINE_LIMIT) {
      timeline.messages.splice(0, timeline.messages.length - TIMELINE_LIMIT);
      timeline.hasOlder = true;
    }
    const fromOthers = message.sender !== this.identity?.user;
    if (fromOthers && this.connection.everLive && this.connection.state !== 'live') this.caughtUp++;
    if (message.room === this.openId && this.scroll > 0) this.newBelow++;
    if (fromOthers) {
      const typing = this.typists.get(message.room);
      if (typing?.includes(message.sender))
        this.typists.set(
          message.room,
          typing.filter((user) => user !== message.sender),
        );
    }
    return true;
  }

  /**
   * A page of history arrived. `newest` says it was the room's newest page (asked without
   * `before`); otherwise it is the page just below what the timeline held.
   */
  addHistory(room: string, messages: readonly Message[], hasMore: boolean): void {
    const timeline = this.timeline(room);
    for (const message of messages) insertBySeq(timeline.messages, message);
    timeline.loaded = true;
    timeline.loading = false;
    const oldest = timeline.messages[0]?.seq;
    timeline.hasOlder = messages.length > 0 ? hasMore && (oldest ?? 1) > 1 : false;
  }

  /** The newest seq of the open room's timeline (0 when empty). */
  newestSeq(room: string): number {
    const messages = this.timelines.get(room)?.messages;
    return messages?.[messages.length - 1]?.seq ?? 0;
  }

  notice(room: string | undefined, text: string, tone: Tone, now: number): void {
    if (room === undefined) {
      this.setStatus(text, tone, now);
      return;
    }
    this.timeline(room).notices.push({ room, afterSeq: this.newestSeq(room), at: now, text, tone });
  }

  // --- sends --------------------------------------------------------------------------------

  get pending(): readonly PendingSend[] {
    return this.pendingSends;
  }

  pendingIn(room: string): PendingSend[] {
    return this.pendingSends.filter((send) => send.room === room);
  }

  addPending(send: Omit<PendingSend, 'state'>): void {
    this.pendingSends.push({ ...send, state: 'sending' });
  }

  /** A send was refused (or the client gave up): it stays, marked failed, until /retry. */
  failPending(clientMsgId: string, error: string): void {
    const send = this.pendingSends.find((entry) => entry.clientMsgId === clientMsgId);
    if (!send) return;
    send.state = 'failed';
    send.error = error;
  }

  /** The room's failed sends, marked "sending" again (to be sent with their clientMsgIds). */
  retryFailed(room: string): PendingSend[] {
    const failed = this.pendingSends.filter((send) => send.room === room && send.state === 'failed');
    for (const send of failed) {
      send.state = 'sending';
      delete send.error;
    }
    return failed;
  }

  // --- typing, presence, connection --------------------------------------------------------

  typingIn(room: string): readonly string[] {
    return this.typists.get(room) ?? [];
  }

  setTyping(room: string, users: readonly string[]): void {
    if (users.length === 0) this.typists.delete(room);
    else this.typists.set(room, [...users]);
  }

  presenceOf(user: string): PresenceStatus | undefined {
    return this.presenceByUser.get(user);
  }

  notePresence(users: readonly PresenceStatus[]): void {
    for (const status of users) this.presenceByUser.set(status.user, status);
  }

  /**
   * The client's state changed. A loss after being live leaves a notice in the open room;
   * getting back says how many messages the sync brought.
   */
  setConnection(change: StateChange, now: number): void {
    const before = this.connection;
    const next: ConnectionView = { state: change.state, everLive: before.everLive || change.state === 'live' };
    if (change.state === 'reconnecting' && change.reconnectInMs !== undefined)
      next.reconnectAt = now + change.reconnectInMs;
    if (change.state === 'reconnecting' || change.state === 'closed') {
      if (before.detail !== undefined) next.detail = before.detail;
    }
    this.connection = next;
    if (change.state === 'reconnecting' && before.state === 'live') {
      this.caughtUp = 0;
      this.typists.clear();
      if (this.openId !== undefined) this.notice(this.openId, 'connection lost: reconnecting…', 'warn', now);
    }
    if (change.state === 'live' && before.everLive && before.state !== 'live') {
      const what =
        this.caughtUp === 0 ? 'nothing missed' : `${this.caughtUp} new message${this.caughtUp === 1 ? '' : 's'} synced`;
      if (this.openId !== undefined) this.notice(this.openId, `reconnected: ${what}`, 'ok', now);
      this.caughtUp = 0;
    }
  }

  /** Why the connection is down (shown beside "reconnecting" / "offline"). */
  setConnectionDetail(detail: string | undefined): void {
    if (detail === undefined) delete this.connection.detail;
    else this.connection.detail = detail;
  }

  setStatus(text: string, tone: Tone, now: number, ms = STATUS_MS): void {
    this.status = { text, tone, until: now + ms };
  }
}

/** Inserts by seq (appending is the common case); false when the seq is there already. */
function insertBySeq(messages: Message[], message: Message): boolean {
  const last = messages[messages.length - 1];
  if (!last || last.seq < message.seq) {
    messages.push(message);
    return true;
  }
  let lo = 0;
  let hi = messages.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (messages[mid]!.seq < message.seq) lo = mid + 1;
    else hi = mid;
  }
  if (messages[lo]?.seq === message.seq) return false;
  messages.splice(lo, 0, message);
  return true;
}
