import { randomBytes } from 'node:crypto';
import type { ChatClient, ChatError, Message, Room, StateChange } from '../core/client/index.js';
import { runCommand, type CommandContext } from './chat-commands.js';
import { ChatState, type PendingSend } from './chat-state.js';
import { parseInput } from './commands.js';
import type { ClientTarget } from './connection.js';
import type { FileCursorStore } from './file-cursor-store.js';
import { keyAction, type KeyAction, type KeyPress } from './key-bindings.js';
import { HistoryLoader } from './history-loader.js';
import { entryHeight } from './message-view.js';
import { ReadMarker } from './read-marker.js';
import { paneSize, renderScreen, type Frame } from './screen.js';
import type { Terminal } from './terminal.js';
import { TypingNotifier } from './typing-notifier.js';

/**
 * A second presence query this long after a sync, a little over the server's default
 * grace period: a co-member who is itself reconnecting at our sync is answered "offline"
 * (it has no route yet) while its published status stays "online", so no push corrects it.
 */
export const PRESENCE_RECHECK_MS = 6000;
/** A second Ctrl-C within this long quits even with unsent messages. */
const QUIT_CONFIRM_MS = 5000;

export interface ChatAppOptions {
  client: ChatClient;
  target: ClientTarget;
  terminal: Terminal;
  /** Flushed on exit, so the next run of this device syncs from here. */
  cursors?: FileCursorStore;
  now?: () => number;
}

/**
 * `chat-node chat`: wires the client library's events and the user's keys into ChatState,
 * and the state into the terminal. Layout lives in screen.ts, commands in chat-commands.ts;
 * this class does the I/O around them: connection, history pages, presence queries, sends.
 *
 * Over 400 lines: it binds every key, command and client event of the terminal client to the
 * screen state; each binding is short.
 */
export class ChatApp {
  readonly state = new ChatState();
  private readonly client: ChatClient;
  private readonly terminal: Terminal;
  private readonly now: () => number;
  private readonly typing: TypingNotifier;
  private readonly reads: ReadMarker;
  private readonly history: HistoryLoader;
  private readonly commands: CommandContext;
  private renderQueued = false;
  private roomsDirty = true;
  private pane: Frame['pane'] | undefined;
  private pasting = false;
  private ticker: NodeJS.Timeout | undefined;
  private presenceRecheck: NodeJS.Timeout | undefined;
  private readonly knownRooms = new Set<string>();
  /** clientMsgIds of ours: a random prefix per run and a counter. */
  private readonly idPrefix = `${randomBytes(9).toString('base64url')}-t`;
  private idCounter = 0;
  private quitAskedAt = 0;
  private quitting = false;
  private finish: ((code: number) => void) | undefined;

  constructor(private readonly options: ChatAppOptions) {
    this.client = options.client;
    this.terminal = options.terminal;
    this.now = options.now ?? Date.now;
    if (options.target.user !== undefined && options.target.device !== undefined) {
      this.state.identity = { user: options.target.user, device: options.target.device };
    }
    this.history = new HistoryLoader(this.client, this.state, () => this.scheduleRender());
    this.typing = new TypingNotifier((room, state) => this.client.setTyping(room, state));
    this.reads = new ReadMarker(
      (room, seq) => this.client.markRead(room, seq).finally(() => this.roomsChanged()),
      () => this.seenView(),
    );
    this.commands = {
      state: this.state,
      client: this.client,
      now: () => this.now(),
      openRoom: (id) => this.openRoom(id),
      roomsChanged: () => this.roomsChanged(),
      refreshPresence: (users) => this.refreshPresence(users),
      loadOlder: (room) => this.history.loadOlder(room),
      scrollPage: (direction) => this.scroll('page', direction),
      askQuit: () => this.askQuit(),
      deliver: (send) => this.deliver(send),
      redraw: () => this.scheduleRender(),
    };
  }

  /** Runs until the user quits; resolves with the exit code. */
  run(): Promise<number> {
    const done = new Promise<number>((resolve) => (this.finish = resolve));
    this.terminal.start({ key: (str, key) => this.onKey(str, key), resize: () => this.render() });
    this.listen();
    // Countdowns ("reconnecting in 3s"), "last seen" and status messages age by the second.
    this.ticker = setInterval(() => this.scheduleRender(), 1000);
    this.render();
    this.client.connect().catch((error: ChatError) => {
      if (this.quitting) return;
      // The client gave up; keep the reason already shown (a refused token says more than "closed").
      if (this.state.connection.detail === undefined) this.state.setConnectionDetail(error.message);
      this.scheduleRender();
    });
    return done;
  }

  /** Leaves: restores the terminal, saves cursors, closes the connection. */
  async quit(code = 0): Promise<void> {
    if (this.quitting) return;
    this.quitting = true;
    this.typing.stop();
    this.reads.cancel();
    if (this.ticker) clearInterval(this.ticker);
    if (this.presenceRecheck) clearTimeout(this.presenceRecheck);
    this.terminal.restore();
    this.options.cursors?.flush();
    const unsent = this.state.pending.filter((send) => send.state === 'sending').length;
    await Promise.race([this.client.close(), new Promise((resolve) => setTimeout(resolve, 1000))]);
    if (unsent > 0)
      process.stderr.write(`chat-node: ${unsent} message${unsent === 1 ? ' was' : 's were'} not sent (no ack yet)\n`);
    this.finish?.(code);
  }

  // --- client events ----------------------------------------------------------------------

  private listen(): void {
    const { client, state } = this;
    client.on('state', (change) => this.onState(change));
    client.on('synced', () => this.onSynced());
    client.on('message', (message) => this.onMessage(message));
    client.on('room', (room) => this.onRoom(room));
    client.on('read', () => this.roomsChanged());
    client.on('typing', (event) => {
      state.setTyping(event.room, client.typingIn(event.room));
      this.scheduleRender();
    });
    client.on('presence', (event) => {
      state.notePresence(event.users);
      this.scheduleRender();
    });
    client.on('error', (error) => this.onError(error));
  }

  private onState(change: StateChange): void {
    const { state, client } = this;
    if (client.user !== undefined && client.device !== undefined)
      state.identity = { user: client.user, device: client.device };
    state.setConnection(change, this.now());
    if (change.state === 'live') state.setConnectionDetail(undefined);
    this.scheduleRender();
  }

  private onSynced(): void {
    const { state } = this;
    this.roomsDirty = true;
    this.syncRooms();
    for (const room of state.rooms) this.knownRooms.add(room.id);
    if (state.openRoomId === undefined) {
      const first = state.rooms.find((room) => room.unread > 0) ?? state.rooms[0];
      if (first) this.openRoom(first.id);
    } else {
      this.history.ensureLoaded(state.openRoomId);
    }
    // Presence changes made while offline are not replayed: ask after every (re)connect.
    this.refreshPresence();
    if (this.presenceRecheck) clearTimeout(this.presenceRecheck);
    this.presenceRecheck = setTimeout(() => this.refreshPresence(), PRESENCE_RECHECK_MS);
    this.scheduleRender();
  }

  private onMessage(message: Message): void {
    const { state } = this;
    const added = state.addMessage(message);
    if (added && message.room === state.openRoomId && state.scroll > 0 && this.pane) {
      // The view is counted from the bottom: keep the lines on screen where they are.
      state.scroll += entryHeight({ kind: 'message', message }, this.pane.width, state, this.now());
    }
    this.roomsChanged();
  }

  private onRoom(room: Room): void {
    const { state, client } = this;
    const me = client.user ?? state.identity?.user;
    const name =
      room.kind === 'group'
        ? `#${room.name || room.id}`
        : `@${room.members.find((member) => member !== me) ?? room.id}`;
    if (room.members.includes(me ?? '')) {
      if (!this.knownRooms.has(room.id)) {
        this.knownRooms.add(room.id);
        this.refreshPresence(room.members);
        if (state.openRoomId === undefined) this.openRoom(room.id);
        else if (room.owner !== me) state.setStatus(`new room: ${name} (Tab opens it)`, 'info', this.now());
      }
    } else if (this.knownRooms.delete(room.id)) {
      state.setStatus(`you are no longer in ${name}`, 'warn', this.now());
    }
    this.roomsChanged();
  }

  private onError(error: ChatError): void {
    const { state } = this;
    switch (error.code) {
      case 'transport':
      case 'timeout':
        // Shown beside "reconnecting"; the URL is noise there.
        state.setConnectionDetail(error.message.replace(/^wss?:\/\/\S+: /, ''));
        break;
      case 'unauthorized':
        if (this.options.target.signedHere && !state.connection.everLive) {
          // A token signed here would be signed again and refused again, for ever.
          state.setConnectionDetail(
            `the cluster refused the development token (${error.message}); is --data-dir the folder of \`chat-node dev\`, or CHAT_JWT_SECRET its secret?`,
          );
          void this.client.close();
        } else {
          state.setConnectionDetail(`the cluster refused the token: ${error.message}`);
        }
        break;
      case 'disconnected':
      case 'closed':
        break;
      default:
        state.setStatus(error.message, 'error', this.now());
    }
    this.scheduleRender();
  }

  // --- rooms, history, presence -------------------------------------------------------------

  private roomsChanged(): void {
    this.roomsDirty = true;
    this.scheduleRender();
  }

  private syncRooms(): void {
    if (!this.roomsDirty) return;
    this.roomsDirty = false;
    this.state.setRooms(this.client.rooms());
  }

  private openRoom(id: string | undefined): void {
    if (id === undefined) return;
    this.syncRooms();
    if (this.state.openRoomId !== id) this.typing.stop();
    if (!this.state.open(id)) return;
    this.history.ensureLoaded(id);
    this.scheduleRender();
  }

  /** Presence of the users shown (every co-member by default); the answer also feeds presenceOf. */
  private refreshPresence(users?: readonly string[]): void {
    const me = this.client.user ?? this.state.identity?.user;
    const all = users ?? this.state.rooms.flatMap((room) => room.members);
    const wanted = [...new Set(all)].filter((user) => user !== me).slice(0, 1000);
    if (wanted.length === 0 || this.state.connection.state !== 'live') return;
    this.client.queryPresence(wanted).then(
      (statuses) => {
        this.state.notePresence(statuses);
        this.scheduleRender();
      },
      () => {},
    );
  }

  /** What the message pane shows, for read marking. */
  private seenView() {
    const pane = this.pane;
    if (!pane || pane.room === undefined) return undefined;
    const visible = this.state.focused && !this.state.panel && this.state.connection.state === 'live';
    return { room: pane.room, newestVisibleSeq: pane.newestVisibleSeq, visible };
  }

  // --- keys -----------------------------------------------------------------------------------

  private onKey(str: string | undefined, key: KeyPress): void {
    if (this.quitting) return;
    const action = keyAction(str, key, this.pasting);
    const { state } = this;
    if (state.panel && action.type === 'scroll') {
      const step = action.by === 'page' ? Math.max(1, (this.pane?.height ?? 10) - 1) : 1;
      state.panelScroll = Math.max(0, state.panelScroll + action.direction * step);
      this.render();
      return;
    }
    if (state.panel && closesPanel(action)) {
      state.closePanel();
      if (action.type === 'escape') {
        this.render();
        return;
      }
    }
    switch (action.type) {
      case 'insert':
        state.input.insert(action.text);
        this.inputChanged();
        break;
      case 'edit':
        state.input.apply(action.edit);
        this.inputChanged();
        break;
      case 'history':
        if (action.direction < 0) state.input.historyPrev();
        else state.input.historyNext();
        this.inputChanged();
        break;
      case 'submit':
        this.submit();
        break;
      case 'quit':
        this.askQuit();
        break;
      case 'eof':
        if (state.input.text === '') this.askQuit();
        else state.input.deleteForward();
        break;
      case 'room':
        this.openRoom(state.roomAfter(action.direction)?.id);
        break;
      case 'room-number':
        this.openRoom(state.rooms[action.index]?.id);
        break;
      case 'next-unread':
        this.openRoom((state.nextUnread() ?? state.roomAfter(1))?.id);
        break;
      case 'scroll':
        this.scroll(action.by, action.direction);
        break;
      case 'scroll-bottom':
      case 'escape':
        state.scroll = 0;
        state.newBelow = 0;
        break;
      case 'redraw':
        this.terminal.invalidate();
        break;
      case 'focus':
        state.focused = action.focused;
        break;
      case 'paste':
        this.pasting = action.active;
        break;
      case 'none':
        return;
    }
    this.render();
  }

  private inputChanged(): void {
    this.typing.changed(this.state.openRoomId, this.state.input.text);
  }

  private scroll(by: 'page' | 'line', direction: -1 | 1): void {
    const { state } = this;
    const height = this.pane?.height ?? paneSize(this.terminal.width, this.terminal.height).height;
    const step = by === 'page' ? Math.max(1, height - 2) : 1;
    state.scroll = Math.max(0, state.scroll - direction * step);
    if (state.scroll === 0) state.newBelow = 0;
  }

  private askQuit(): void {
    const unsent = this.state.pending.filter((send) => send.state === 'sending').length;
    const now = this.now();
    if (unsent > 0 && now - this.quitAskedAt > QUIT_CONFIRM_MS) {
      this.quitAskedAt = now;
      const what = `${unsent} message${unsent === 1 ? ' is' : 's are'} not sent yet`;
      this.state.setStatus(`${what}: Ctrl-C again to quit anyway`, 'warn', now, QUIT_CONFIRM_MS);
      return;
    }
    void this.quit(0);
  }

  private submit(): void {
    const { state } = this;
    const line = state.input.submit();
    const parsed = parseInput(line);
    switch (parsed.kind) {
      case 'empty':
        state.scroll = 0;
        state.newBelow = 0;
        return;
      case 'message':
        if (!this.sendMessage(parsed.body)) state.input.set(line);
        return;
      case 'error':
        state.setStatus(parsed.message, 'error', this.now());
        state.input.set(line);
        return;
      case 'command':
        this.typing.stop();
        runCommand(this.commands, parsed.command);
        return;
    }
  }

  /** Shows the message at once as "sending" and sends it with a clientMsgId of ours. */
  private sendMessage(body: string): boolean {
    const { state, client } = this;
    const room = state.openRoomId;
    const now = this.now();
    if (room === undefined) {
      state.setStatus('open a room first: /dm <user>, /join <room> or /new <name> <users...>', 'error', now);
      return false;
    }
    const limit = client.limits.maxBodyChars;
    if (body.length > limit) {
      state.setStatus(`the message has ${body.length} characters; the limit is ${limit}`, 'error', now);
      return false;
    }
    // Before the send: a stop also resets the server's typing throttle for the next message.
    this.typing.stop();
    this.idCounter++;
    const send = { clientMsgId: `${this.idPrefix}${this.idCounter.toString(36)}`, room, body, at: now };
    state.addPending(send);
    state.scroll = 0;
    state.newBelow = 0;
    this.deliver({ ...send, state: 'sending' });
    return true;
  }

  /**
   * Sends (or sends again: the same clientMsgId is stored once by the server, from any
   * connection). While offline the client keeps it and writes it after the next welcome.
   * The ack arrives as a 'message' event too, which replaces the pending line.
   */
  private deliver(send: PendingSend): void {
    this.client.send(send.room, send.body, { clientMsgId: send.clientMsgId }).then(
      () => this.scheduleRender(),
      (error: ChatError) => {
        this.state.failPending(send.clientMsgId, error.message);
        this.scheduleRender();
      },
    );
  }

  // --- drawing --------------------------------------------------------------------------------

  private scheduleRender(): void {
    if (this.renderQueued || this.quitting) return;
    this.renderQueued = true;
    setImmediate(() => this.render());
  }

  private render(): void {
    this.renderQueued = false;
    if (this.quitting) return;
    this.syncRooms();
    const { state } = this;
    if (state.openRoomId === undefined && state.rooms.length > 0 && state.connection.everLive)
      this.openRoom(state.rooms[0]!.id);
    const frame = renderScreen(state, this.terminal.width, this.terminal.height, this.now());
    if (frame.pane.room !== undefined) {
      state.scroll = frame.pane.scroll;
      if (state.scroll === 0) state.newBelow = 0;
    }
    state.panelScroll = frame.panelScroll;
    this.pane = frame.pane;
    this.terminal.draw(frame.lines, frame.cursor);
    this.afterFrame(frame.pane);
  }

  /** A view that reached the top of what is loaded pages in older history; what is seen is read. */
  private afterFrame(pane: Frame['pane']): void {
    const { state } = this;
    if (pane.room === undefined || state.connection.state !== 'live') return;
    if (!state.panel && pane.atTop) this.history.reachedTop(pane.room);
    const room = state.room(pane.room);
    const view = this.seenView();
    if (room && view) this.reads.seen(view, room.readSeq, room.unread);
  }
}

function closesPanel(action: KeyAction): boolean {
  switch (action.type) {
    case 'insert':
    case 'edit':
    case 'history':
    case 'focus':
    case 'paste':
    case 'none':
    case 'redraw':
      return false;
    default:
      return true;
  }
}
