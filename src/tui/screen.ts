import type { Room } from '../core/client/index.js';
import type { ChatState } from './chat-state.js';
import { matchingCommands } from './commands.js';
import { ago, lastSeenText, typingText } from './message-format.js';
import { timelineEntries, viewport } from './message-view.js';
import { panelLines, panelTitle } from './panels.js';
import { fitLine, lineWidth, span, type Line, type Span } from './spans.js';
import { displayWidth, truncate, wrap } from './text-width.js';

/**
 * The whole screen from the state, for a terminal of `width` x `height` cells. Pure.
 *
 *   row 0            title: who you are, connection state
 *   rows 1..h-3      room list | room header, messages, typing line
 *   row h-2          status: notices, command hints, key hints
 *   row h-1          input line
 */

export interface Frame {
  /** Exactly `height` lines, each exactly `width` cells. */
  lines: Line[];
  /** Where the terminal cursor goes (0-based), in the input line. */
  cursor: { row: number; col: number } | undefined;
  /** What the message pane shows, for read marking and history paging. */
  pane: {
    room: string | undefined;
    newestVisibleSeq: number;
    atTop: boolean;
    scroll: number;
    width: number;
    height: number;
  };
  /** The panel's scroll position used (clamped to its length). */
  panelScroll: number;
}

export const MIN_WIDTH = 40;
export const MIN_HEIGHT = 8;

const PROMPT = '› ';

/** The room list's width: a quarter of the screen, 14 to 24 cells; none below 60 columns. */
export function sidebarWidth(width: number): number {
  return width < 60 ? 0 : Math.max(14, Math.min(24, Math.floor(width / 4)));
}

/** The message pane's size for a screen size (chat-app needs it to keep scrolling steady). */
export function paneSize(width: number, height: number): { width: number; height: number } {
  const side = sidebarWidth(width);
  return { width: side > 0 ? width - side - 1 : width, height: Math.max(1, height - 5) };
}

export function renderScreen(state: ChatState, width: number, height: number, now: number): Frame {
  if (width < MIN_WIDTH || height < MIN_HEIGHT) return tooSmall(width, height);
  const side = sidebarWidth(width);
  const pane = paneSize(width, height);
  const bodyRows = height - 3;

  const paneLines: Line[] = [];
  let panelScroll = 0;
  let info: Frame['pane'] = { room: undefined, newestVisibleSeq: 0, atTop: false, scroll: 0, ...pane };
  const room = state.openRoom;
  paneLines.push(fitLine(roomHeader(state, room, pane.width, side === 0, now), pane.width));
  if (state.panel) {
    const panel = scrolled(panelLines(state.panel, state, pane.width, now), pane.height + 1, state.panelScroll);
    panelScroll = panel.scroll;
    paneLines.push(...panel.lines);
  } else if (room) {
    const view = viewport(timelineEntries(state, room.id), pane.width, pane.height, state.scroll, state, now);
    paneLines.push(...view.lines);
    paneLines.push(typingLine(state, room, pane.width));
    info = { room: room.id, newestVisibleSeq: view.newestVisibleSeq, atTop: view.atTop, scroll: view.scroll, ...pane };
  } else {
    paneLines.push(...scrolled(welcomeLines(state, pane.width), pane.height + 1, 0).lines);
  }

  const lines: Line[] = [fitLine(titleLine(state, width, now), width)];
  const roomRows = side > 0 ? roomListLines(state, side, bodyRows, now) : [];
  for (let row = 0; row < bodyRows; row++) {
    const right = fitLine(paneLines[row] ?? [], pane.width);
    lines.push(side > 0 ? [...fitLine(roomRows[row] ?? [], side), span('│', { dim: true }), ...right] : right);
  }
  lines.push(fitLine(statusLine(state, width, now), width));
  const input = state.input.view(width - PROMPT.length);
  lines.push(fitLine([span(PROMPT, { fg: 'cyan', bold: true }), span(input.text)], width));
  return { lines, cursor: { row: height - 1, col: PROMPT.length + input.cursorCol }, pane: info, panelScroll };
}

function tooSmall(width: number, height: number): Frame {
  const lines: Line[] = Array.from({ length: height }, () => fitLine([], width));
  lines[0] = fitLine(
    [span(truncate(`terminal too small: ${MIN_WIDTH}x${MIN_HEIGHT} needed`, width), { fg: 'yellow' })],
    width,
  );
  return {
    lines,
    cursor: undefined,
    pane: { room: undefined, newestVisibleSeq: 0, atTop: false, scroll: 0, width, height: 0 },
    panelScroll: 0,
  };
}

// --- title ------------------------------------------------------------------------------------

function titleLine(state: ChatState, width: number, now: number): Line {
  const who = state.identity ? `${state.identity.user}@${state.identity.device}` : '';
  const left: Line = [span(' chat-node ', { inverse: true, bold: true }), span(` ${who}`, { dim: true })];
  const right = connectionSpans(state, now);
  const gap = width - lineWidth(left) - lineWidth(right) - 1;
  return gap >= 1 ? [...left, span(' '.repeat(gap)), ...right] : [...right];
}

/** "● connected", "↻ reconnecting in 3s", "✕ offline", with the count of queued sends. */
export function connectionSpans(state: ChatState, now: number): Span[] {
  const { connection } = state;
  const queued = state.pending.filter((send) => send.state === 'sending').length;
  const parts: Span[] = [];
  if (connection.state !== 'live' && queued > 0) parts.push(span(`${queued} queued · `, { fg: 'yellow' }));
  switch (connection.state) {
    case 'idle':
    case 'connecting':
      parts.push(span('◌ connecting…', { fg: 'yellow', bold: true }));
      break;
    case 'syncing':
      parts.push(span('↻ syncing…', { fg: 'yellow', bold: true }));
      break;
    case 'live':
      parts.push(span('● connected', { fg: 'green', bold: true }));
      break;
    case 'reconnecting': {
      const seconds = connection.reconnectAt === undefined ? 0 : Math.ceil((connection.reconnectAt - now) / 1000);
      parts.push(span(seconds > 0 ? `↻ reconnecting in ${seconds}s` : '↻ reconnecting…', { fg: 'yellow', bold: true }));
      break;
    }
    case 'closed':
      parts.push(span('✕ offline', { fg: 'red', bold: true }));
      break;
  }
  return parts;
}

// --- room list --------------------------------------------------------------------------------

function roomListLines(state: ChatState, width: number, rows: number, now: number): Line[] {
  const total = state.rooms.reduce((sum, room) => sum + room.unread, 0);
  const lines: Line[] = [
    [span(' Rooms', { bold: true }), ...(total > 0 ? [span(` (${total})`, { fg: 'yellow' })] : [])],
  ];
  if (state.rooms.length === 0) {
    lines.push([span(state.connection.everLive ? ' none yet: /dm' : ' …', { dim: true })]);
    return lines;
  }
  const shownRows = rows - 1;
  const openAt = Math.max(
    0,
    state.rooms.findIndex((room) => room.id === state.openRoomId),
  );
  const first = Math.max(0, Math.min(openAt - Math.floor(shownRows / 2), state.rooms.length - shownRows));
  state.rooms
    .slice(first, first + shownRows)
    .forEach((room, i) => lines.push(roomRow(state, room, first + i, width, now)));
  return lines;
}

function roomRow(state: ChatState, room: Room, index: number, width: number, now: number): Line {
  const open = room.id === state.openRoomId;
  const number = index < 9 ? `${index + 1}` : ' ';
  const marker = roomMarker(state, room);
  const unread = !open && room.unread > 0 ? ` ${room.unread > 999 ? '999+' : room.unread}` : '';
  const seen = lastSeenShort(state, room, now);
  const nameRoom = Math.max(1, width - 4 - displayWidth(unread) - 1);
  // "last seen" only when the name still gets a fair share of the row.
  const age = seen !== undefined && nameRoom - seen.length - 1 >= 6 ? ` ${seen}` : '';
  const name = truncate(state.displayName(room), nameRoom - age.length);
  const pad = ' '.repeat(Math.max(0, nameRoom - age.length - displayWidth(name)));
  const style = open ? { inverse: true, bold: true } : room.unread > 0 ? { bold: true } : undefined;
  return [
    span(number, { dim: true }),
    span(' '),
    marker,
    span(' '),
    span(name, style),
    span(age, { dim: true, inverse: open }),
    span(pad, style),
    span(unread, { fg: 'yellow', bold: true }),
  ];
}

/** How long ago the other user of a direct room was last seen, short ("5m"); undefined when online or unknown. */
function lastSeenShort(state: ChatState, room: Room, now: number): string | undefined {
  const peer = state.peerOf(room);
  const presence = peer === undefined ? undefined : state.presenceOf(peer);
  if (!presence || presence.status === 'online' || presence.lastSeen === null) return undefined;
  return ago(presence.lastSeen, now).replace(' ago', '').replace('just now', 'now');
}

/** ● online, ○ offline (a direct room's other user), # a group; blank when unknown. */
function roomMarker(state: ChatState, room: Room): Span {
  if (room.kind === 'group') return span('#', { dim: true });
  const peer = state.peerOf(room);
  const presence = peer === undefined ? undefined : state.presenceOf(peer);
  if (!presence) return span(' ');
  return presence.status === 'online' ? span('●', { fg: 'green' }) : span('○', { dim: true });
}

// --- message pane -----------------------------------------------------------------------------

function roomHeader(state: ChatState, room: Room | undefined, width: number, narrow: boolean, now: number): Line {
  if (state.panel) return [span(panelTitle(state.panel, state), { bold: true }), span('  · Esc closes', { dim: true })];
  if (!room) return [];
  const parts: Line = [];
  if (narrow) {
    const at = state.rooms.findIndex((entry) => entry.id === room.id);
    parts.push(span(`[${at + 1}/${state.rooms.length}] `, { dim: true }));
  }
  const peer = state.peerOf(room);
  if (peer !== undefined) {
    parts.push(span(`@${peer}`, { bold: true, underline: true }));
    const presence = state.presenceOf(peer);
    if (presence?.status === 'online') parts.push(span('  ● online', { fg: 'green' }));
    else if (presence) parts.push(span(`  ○ ${lastSeenText(presence.lastSeen, now)}`, { dim: true }));
  } else {
    parts.push(span(`#${state.displayName(room)}`, { bold: true, underline: true }));
    const online = room.members.filter(
      (member) => member !== state.identity?.user && state.presenceOf(member)?.status === 'online',
    ).length;
    parts.push(span(`  ${room.members.length} members${online > 0 ? `, ${online} online` : ''}`, { dim: true }));
  }
  if (narrow) {
    const elsewhere = state.rooms.filter((entry) => entry.id !== room.id).reduce((sum, entry) => sum + entry.unread, 0);
    if (elsewhere > 0) {
      const note = span(`${elsewhere} unread elsewhere (Tab)`, { fg: 'yellow' });
      const gap = width - lineWidth(parts) - lineWidth([note]);
      if (gap >= 2) parts.push(span(' '.repeat(gap)), note);
    }
  }
  return parts;
}

function typingLine(state: ChatState, room: Room, width: number): Line {
  const typing = typingText(state.typingIn(room.id));
  const left: Line = typing ? [span(typing, { fg: 'cyan', dim: true })] : [];
  if (state.scroll === 0) return left;
  const note = state.newBelow > 0 ? `↓ ${state.newBelow} new · Esc` : '↓ scrolled up · Esc';
  const right = span(note, { fg: 'yellow', bold: state.newBelow > 0 });
  const gap = width - lineWidth(left) - displayWidth(note);
  return gap >= 1 ? [...left, span(' '.repeat(gap)), right] : [right];
}

/** `rows` lines of a panel from `scroll` on (clamped), the last row saying what is below. */
function scrolled(lines: readonly Line[], rows: number, scroll: number): { lines: Line[]; scroll: number } {
  if (lines.length <= rows) return { lines: [...lines], scroll: 0 };
  const from = Math.max(0, Math.min(scroll, lines.length - rows + 1));
  const shown = lines.slice(from, from + rows - 1);
  const below = lines.length - from - shown.length;
  const note = below > 0 ? `↓ ${below} more: PgDn` : '↑ PgUp';
  return { lines: [...shown, [span(note, { dim: true })]], scroll: from };
}

function welcomeLines(state: ChatState, width: number): Line[] {
  const name = state.identity?.user;
  if (!state.connection.everLive) {
    const { detail } = state.connection;
    const closed = state.connection.state === 'closed';
    return [
      [span(`Welcome to chat-node${name ? `, ${name}` : ''}.`, { bold: true })],
      [],
      ...(detail
        ? wrap(`${closed ? 'Cannot connect' : 'Not connected yet'}: ${detail}`, width).map((text) => [
            span(text, { fg: closed ? 'red' : 'yellow' } as const),
          ])
        : []),
      ...(detail ? [[]] : []),
      [span(closed ? 'Ctrl-C quits.' : 'Your rooms show up once the client is connected.', { dim: true })],
    ];
  }
  return [
    [span(`Welcome to chat-node${name ? `, ${name}` : ''}.`, { bold: true })],
    [],
    [span('Start a conversation:')],
    [span('  /dm <user>             ', { fg: 'cyan' }), span('a 1:1 room')],
    [span('  /new <name> <users…>   ', { fg: 'cyan' }), span('a group')],
    [],
    [span('/help lists every command and key.', { dim: true })],
  ];
}

// --- status -----------------------------------------------------------------------------------

function statusLine(state: ChatState, width: number, now: number): Line {
  if (state.status && state.status.until > now) {
    const color = { info: undefined, ok: 'green', warn: 'yellow', error: 'red' } as const;
    return [span(state.status.text, { fg: color[state.status.tone], bold: state.status.tone === 'error' })];
  }
  const typed = matchingCommands(state.input.text);
  if (typed.length > 0) {
    const parts: Line = [];
    for (const help of typed) {
      parts.push(
        span(help.usage, { fg: 'cyan' }),
        span(typed.length === 1 ? `  ${help.summary}   ` : '   ', { dim: true }),
      );
    }
    return parts;
  }
  const { connection } = state;
  if (connection.state === 'closed') {
    return [span(`offline: ${connection.detail ?? 'the client stopped'}. /quit and start again.`, { fg: 'red' })];
  }
  if (connection.state === 'reconnecting' && connection.detail) {
    return [span(`offline: ${connection.detail}`, { fg: 'yellow' })];
  }
  const hint = 'Enter send · Ctrl-N/P rooms · PgUp older · /help';
  const rule = '─'.repeat(Math.max(0, width - displayWidth(hint) - 2));
  return [span(`${hint} ${rule}`, { dim: true })];
}
