import { isId } from '../core/protocol/ids.js';

/** The slash commands of `chat-node chat`. Parsing is pure; chat-app runs them. */
export type ChatCommand =
  | { name: 'rooms' }
  | { name: 'join'; target: string }
  | { name: 'dm'; user: string }
  | { name: 'new'; title: string; users: string[] }
  | { name: 'members' }
  | { name: 'add'; users: string[] }
  | { name: 'leave' }
  | { name: 'block'; user: string }
  | { name: 'unblock'; user: string }
  | { name: 'blocks' }
  | { name: 'history' }
  | { name: 'retry' }
  | { name: 'help' }
  | { name: 'quit' };

export type ParsedInput =
  | { kind: 'empty' }
  | { kind: 'message'; body: string }
  | { kind: 'command'; command: ChatCommand }
  | { kind: 'error'; message: string };

export interface CommandHelp {
  name: ChatCommand['name'];
  usage: string;
  summary: string;
  aliases?: string[];
}

/** Every command, in the order /help lists them. */
export const COMMANDS: readonly CommandHelp[] = [
  { name: 'rooms', usage: '/rooms', summary: 'your rooms: ids, unread counts' },
  { name: 'join', usage: '/join <room>', summary: 'open a room: name, number or id', aliases: ['j', 'open'] },
  { name: 'dm', usage: '/dm <user>', summary: 'the 1:1 room with a user', aliases: ['msg'] },
  { name: 'new', usage: '/new <name> <users...>', summary: 'a new group (quote a spaced name)' },
  { name: 'members', usage: '/members', summary: 'who is here, and who is online' },
  { name: 'add', usage: '/add <users...>', summary: 'add users to this group (owner)' },
  { name: 'leave', usage: '/leave', summary: 'leave this room (a 1:1 room comes back when made again)' },
  { name: 'block', usage: '/block <user>', summary: 'no rooms from a user, and hide your presence from it' },
  { name: 'unblock', usage: '/unblock <user>', summary: 'lift a block' },
  { name: 'blocks', usage: '/blocks', summary: 'the users you block' },
  { name: 'history', usage: '/history', summary: 'load older messages (PgUp does too)' },
  { name: 'retry', usage: '/retry', summary: 'send failed messages again' },
  { name: 'help', usage: '/help', summary: 'this help', aliases: ['?', 'h'] },
  { name: 'quit', usage: '/quit', summary: 'quit (Ctrl-C does too)', aliases: ['q', 'exit'] },
];

const BY_NAME = new Map<string, CommandHelp>();
for (const help of COMMANDS) {
  BY_NAME.set(help.name, help);
  for (const alias of help.aliases ?? []) BY_NAME.set(alias, help);
}

/**
 * What a submitted input line means. A line starting with "/" is a command; "//" sends a
 * message that starts with "/". Anything else (whitespace-only excepted) is a message, sent
 * as typed.
 */
export function parseInput(line: string): ParsedInput {
  if (line.trim() === '') return { kind: 'empty' };
  if (line.startsWith('//')) return { kind: 'message', body: line.slice(1) };
  if (!line.startsWith('/')) return { kind: 'message', body: line };
  const words = tokenize(line.slice(1));
  if ('error' in words) return { kind: 'error', message: words.error };
  const [word = '', ...args] = words.tokens;
  const help = BY_NAME.get(word.toLowerCase());
  if (!help)
    return {
      kind: 'error',
      message: `unknown command /${word}: /help lists the commands (// sends a message starting with /)`,
    };
  const usage = (count: string) => ({ kind: 'error' as const, message: `${help.usage}: ${count}` });
  switch (help.name) {
    case 'join':
      if (args.length !== 1) return usage('name one room');
      return { kind: 'command', command: { name: 'join', target: args[0]! } };
    case 'dm':
    case 'block':
    case 'unblock': {
      if (args.length !== 1) return usage('name one user');
      const bad = badIds(args);
      if (bad) return { kind: 'error', message: bad };
      return { kind: 'command', command: { name: help.name, user: args[0]! } };
    }
    case 'new': {
      const [title, ...users] = args;
      if (title === undefined || users.length === 0) return usage('a name and at least one user');
      const bad = badIds(users);
      if (bad) return { kind: 'error', message: bad };
      if (title.length > 200) return { kind: 'error', message: 'a group name has at most 200 characters' };
      return { kind: 'command', command: { name: 'new', title, users } };
    }
    case 'add': {
      if (args.length === 0) return usage('name at least one user');
      const bad = badIds(args);
      if (bad) return { kind: 'error', message: bad };
      return { kind: 'command', command: { name: 'add', users: args } };
    }
    case 'rooms':
    case 'members':
    case 'leave':
    case 'blocks':
    case 'history':
    case 'retry':
    case 'help':
    case 'quit':
      if (args.length > 0) return usage('takes no arguments');
      return { kind: 'command', command: { name: help.name } };
  }
}

/** Commands whose name starts with what is typed after "/" (for the hint while typing one). */
export function matchingCommands(line: string): CommandHelp[] {
  if (!line.startsWith('/') || line.startsWith('//') || /\s/.test(line)) return [];
  const typed = line.slice(1).toLowerCase();
  return COMMANDS.filter(
    (help) => help.name.startsWith(typed) || (help.aliases ?? []).some((alias) => alias === typed),
  );
}

function badIds(users: readonly string[]): string | undefined {
  const bad = users.find((user) => !isId(user));
  return bad === undefined ? undefined : `"${bad}" is not a user id (letters, digits, _ and -, at most 64)`;
}

/** Splits on spaces; "double quotes" keep spaces inside one argument. */
function tokenize(text: string): { tokens: string[] } | { error: string } {
  const tokens: string[] = [];
  for (const match of text.matchAll(/"([^"]*)"|([^\s"]+)|(")/g)) {
    if (match[3] !== undefined) return { error: 'a quote is not closed' };
    tokens.push(match[1] ?? match[2]!);
  }
  return { tokens };
}
