import type { ChatState, Panel } from './chat-state.js';
import { COMMANDS } from './commands.js';
import { KEY_HELP } from './key-bindings.js';
import { lastSeenText } from './message-format.js';
import { span, type Line, type Style } from './spans.js';
import { wrap } from './text-width.js';

/** The panels drawn over the message pane: /help, /rooms, /members. Pure, drawn from the state, so they stay current. */

export function panelTitle(panel: Panel, state: ChatState): string {
  switch (panel.kind) {
    case 'help':
      return 'Help';
    case 'rooms':
      return `Your rooms (${state.rooms.length})`;
    case 'members': {
      const room = state.room(panel.room);
      return room ? `Members of ${room.kind === 'group' ? '#' : '@'}${state.displayName(room)}` : 'Members';
    }
  }
}

export function panelLines(panel: Panel, state: ChatState, width: number, now: number): Line[] {
  switch (panel.kind) {
    case 'help':
      return helpLines(width);
    case 'rooms':
      return roomsLines(state);
    case 'members':
      return membersLines(state, panel.room, now);
  }
}

function helpLines(width: number): Line[] {
  const usageWidth = Math.max(...COMMANDS.map((help) => help.usage.length)) + 2;
  const keyWidth = Math.max(...KEY_HELP.map(([keys]) => keys.length)) + 2;
  return [
    [span('Commands', { bold: true, underline: true })],
    ...COMMANDS.flatMap((help) => twoColumns(help.usage, { fg: 'cyan' }, help.summary, usageWidth, width)),
    ...twoColumns('//text', { fg: 'cyan' }, 'send a message that starts with /', usageWidth, width),
    [],
    [span('Keys', { bold: true, underline: true })],
    ...KEY_HELP.flatMap(([keys, what]) => twoColumns(keys, { bold: true }, what, keyWidth, width)),
  ];
}

/** "left   right", the right column wrapped under itself when the pane is narrow. */
function twoColumns(left: string, leftStyle: Style, right: string, leftWidth: number, width: number): Line[] {
  if (width - leftWidth < 16)
    return [[span(left, leftStyle)], ...wrap(right, width - 2).map((text) => [span(`  ${text}`)])];
  return wrap(right, width - leftWidth).map((text, i) => [
    span(i === 0 ? left.padEnd(leftWidth) : ' '.repeat(leftWidth), leftStyle),
    span(text),
  ]);
}

function roomsLines(state: ChatState): Line[] {
  if (state.rooms.length === 0) return [[span('No rooms yet: /dm <user> or /new <name> <users...>', { dim: true })]];
  return state.rooms.map((room, i) => {
    const name = `${room.kind === 'group' ? '#' : '@'}${state.displayName(room)}`;
    const line: Line = [span(`${String(i + 1).padStart(2)} `, { dim: true }), span(name, { bold: room.unread > 0 })];
    if (room.unread > 0) line.push(span(`  ${room.unread} unread`, { fg: 'yellow' }));
    line.push(span(`  ${room.members.length} members · ${room.id}`, { dim: true }));
    return line;
  });
}

function membersLines(state: ChatState, roomId: string, now: number): Line[] {
  const room = state.room(roomId);
  if (!room) return [[span('You are not in this room any more.', { dim: true })]];
  const me = state.identity?.user;
  const members = [...room.members].sort((a, b) => (a === me ? -1 : b === me ? 1 : a.localeCompare(b)));
  return members.map((member) => {
    const line: Line = [];
    const presence = state.presenceOf(member);
    if (member === me)
      line.push(span('● ', { fg: 'green' }), span(member, { bold: true }), span(' (you)', { dim: true }));
    else if (presence?.status === 'online')
      line.push(span('● ', { fg: 'green' }), span(member, { bold: true }), span('  online', { fg: 'green' }));
    else if (presence)
      line.push(
        span('○ ', { dim: true }),
        span(member),
        span(`  ${lastSeenText(presence.lastSeen, now)}`, { dim: true }),
      );
    else line.push(span('  '), span(member));
    if (room.kind === 'group' && member === room.owner) line.push(span('  owner', { fg: 'yellow', dim: true }));
    return line;
  });
}
