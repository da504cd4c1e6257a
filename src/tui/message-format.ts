import type { Message } from '../core/client/index.js';
import type { Color } from './spans.js';
import { sanitize } from './text-width.js';

/** Time and name formatting shared by the terminal client and `chat-node tail`. Pure. */

/** "14:05", local time. */
export function clockTime(ts: number): string {
  const date = new Date(ts);
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

/** "2024-03-04 14:05:09", local time. */
export function dateTime(ts: number): string {
  const date = new Date(ts);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Local calendar day of a timestamp, comparable with ===. */
export function dayKey(ts: number): string {
  const date = new Date(ts);
  return `${date.getFullYear()}-${date.getMonth()}-${date.getDate()}`;
}

/** "Today", "Yesterday", or e.g. "Monday 4 March 2024". */
export function dayLabel(ts: number, now: number): string {
  if (dayKey(ts) === dayKey(now)) return 'Today';
  if (dayKey(ts) === dayKey(now - 86_400_000)) return 'Yesterday';
  const date = new Date(ts);
  const weekday = date.toLocaleDateString('en-GB', { weekday: 'long' });
  const month = date.toLocaleDateString('en-GB', { month: 'long' });
  return `${weekday} ${date.getDate()} ${month} ${date.getFullYear()}`;
}

/** How long ago, short: "just now", "5m ago", "3h ago", "2d ago". */
export function ago(ts: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - ts) / 1000));
  if (seconds < 60) return 'just now';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

/** "last seen 5m ago", or "never seen" (lastSeen null). */
export function lastSeenText(lastSeen: number | null, now: number): string {
  return lastSeen === null ? 'never seen' : `last seen ${ago(lastSeen, now)}`;
}

const SENDER_COLORS: readonly Color[] = ['cyan', 'magenta', 'yellow', 'blue', 'red'];

/** A stable colour per user name; your own name is always green. */
export function userColor(user: string, me: string | undefined): Color {
  if (user === me) return 'green';
  let hash = 0;
  for (let i = 0; i < user.length; i++) hash = (hash * 31 + user.charCodeAt(i)) >>> 0;
  return SENDER_COLORS[hash % SENDER_COLORS.length]!;
}

/** `chat-node tail`'s line: "[2024-03-04 14:05:09] alice: hi" (body made safe for a terminal). */
export function tailLine(message: Message): string {
  return `[${dateTime(message.ts)}] ${message.sender}: ${sanitize(message.body).replace(/\n/g, '\n    ')}`;
}

/** `chat-node tail --json`'s line: the message object as the protocol defines it. */
export function tailJson(message: Message): string {
  return JSON.stringify(message);
}

/** "alice is typing…", "alice and bob are typing…", "3 people are typing…". */
export function typingText(users: readonly string[]): string {
  if (users.length === 0) return '';
  if (users.length === 1) return `${users[0]} is typing…`;
  if (users.length === 2) return `${users[0]} and ${users[1]} are typing…`;
  return `${users.length} people are typing…`;
}
