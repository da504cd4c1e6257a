import type { Message } from '../core/client/index.js';
import type { ChatState, Notice, PendingSend, Tone } from './chat-state.js';
import { clockTime, dayKey, dayLabel, userColor } from './message-format.js';
import { lineWidth, span, type Color, type Line, type Span, type Style } from './spans.js';
import { displayWidth, sanitize, truncate, wrap } from './text-width.js';

/**
 * The open room's timeline as screen lines: messages with time, sender and delivery state,
 * notices, day separators, pending sends at the bottom, and the edge at the top (older
 * history to load, or the start of the conversation). Pure.
 */

export type TimelineEntry =
  | { kind: 'edge'; text: string; tone: Tone }
  | { kind: 'day'; ts: number }
  | { kind: 'message'; message: Message }
  | { kind: 'notice'; notice: Notice }
  | { kind: 'pending'; send: PendingSend };

/** Width of "14:05 ": continuation lines are indented by it. */
const TIME_WIDTH = 6;
/** Longest sender name shown in full. */
const SENDER_MAX = 16;

const TONE_COLOR: Record<Tone, Color | undefined> = { info: undefined, ok: 'green', warn: 'yellow', error: 'red' };

export function timelineEntries(state: ChatState, roomId: string): TimelineEntry[] {
  const timeline = state.timeline(roomId);
  const room = state.room(roomId);
  const entries: TimelineEntry[] = [edgeOf(state, roomId)];
  const notices = [...timeline.notices].sort((a, b) => a.afterSeq - b.afterSeq || a.at - b.at);
  let n = 0;
  let lastDay: string | undefined;
  const day = (ts: number) => {
    const key = dayKey(ts);
    if (key !== lastDay) entries.push({ kind: 'day', ts });
    lastDay = key;
  };
  for (const message of timeline.messages) {
    while (n < notices.length && notices[n]!.afterSeq < message.seq) {
      day(notices[n]!.at);
      entries.push({ kind: 'notice', notice: notices[n++]! });
    }
    day(message.ts);
    entries.push({ kind: 'message', message });
  }
  while (n < notices.length) {
    day(notices[n]!.at);
    entries.push({ kind: 'notice', notice: notices[n++]! });
  }
  for (const send of state.pendingIn(roomId)) {
    day(send.at);
    entries.push({ kind: 'pending', send });
  }
  if (room && timeline.loaded && timeline.messages.length === 0 && entries.length === 1) {
    entries.push({ kind: 'edge', text: 'No messages yet: say hello.', tone: 'info' });
  }
  return entries;
}

function edgeOf(state: ChatState, roomId: string): TimelineEntry {
  const timeline = state.timeline(roomId);
  const room = state.room(roomId);
  if (timeline.loading) return { kind: 'edge', text: 'loading older messages…', tone: 'info' };
  if (!timeline.loaded) return { kind: 'edge', text: 'loading…', tone: 'info' };
  if (timeline.hasOlder) return { kind: 'edge', text: '↑ older messages: PgUp', tone: 'info' };
  const peer = room ? state.peerOf(room) : undefined;
  const text = peer ? `This is the start of your conversation with ${peer}.` : 'This is the start of the room.';
  return { kind: 'edge', text, tone: 'info' };
}

/** The lines of one entry at `width` cells; `seq` marks lines that show a message. */
export function entryLines(entry: TimelineEntry, width: number, state: ChatState, now: number): Line[] {
  const me = state.identity?.user;
  switch (entry.kind) {
    case 'edge':
      return wrap(entry.text, width).map((text) => [span(text, { dim: true, fg: TONE_COLOR[entry.tone] })]);
    case 'day': {
      const label = ` ${dayLabel(entry.ts, now)} `;
      const side = Math.max(0, width - displayWidth(label));
      const left = Math.floor(side / 2);
      return [[span('─'.repeat(left) + label + '─'.repeat(side - left), { dim: true })]];
    }
    case 'notice': {
      const style: Style = { fg: TONE_COLOR[entry.notice.tone], dim: entry.notice.tone === 'info' };
      return withTime(entry.notice.at, wrap(`* ${entry.notice.text}`, width - TIME_WIDTH), style, width, []);
    }
    case 'message': {
      const { message } = entry;
      const own = message.sender === me;
      return messageLines(
        message.ts,
        message.sender,
        message.body,
        own ? [span(' ✓', { fg: 'green', dim: true })] : [],
        width,
        me,
      );
    }
    case 'pending': {
      const { send } = entry;
      const live = state.connection.state === 'live';
      let mark: Span[];
      if (send.state === 'failed') mark = [span(` ✗ not sent: ${send.error ?? 'failed'} · /retry`, { fg: 'red' })];
      else if (live) mark = [span(' … sending', { dim: true })];
      else mark = [span(' ⧗ queued until reconnected', { fg: 'yellow' })];
      return messageLines(send.at, me ?? 'me', send.body, mark, width, me);
    }
  }
}

function messageLines(
  ts: number,
  sender: string,
  body: string,
  mark: Span[],
  width: number,
  me: string | undefined,
): Line[] {
  const name = truncate(sender, SENDER_MAX);
  const text = body === '' ? '' : sanitize(body);
  const wrapped = wrap(`${name}: ${text}`, width - TIME_WIDTH);
  const nameStyle: Style = { bold: true, fg: userColor(sender, me) };
  const lines = withTime(ts, wrapped, undefined, width, mark);
  // Style the sender name, which starts the first line.
  const first = lines[0]!;
  const bodyPart = first[1]!;
  const cut = Math.min(name.length + 1, bodyPart.text.length);
  first.splice(1, 1, span(bodyPart.text.slice(0, cut), nameStyle), span(bodyPart.text.slice(cut)));
  if (body === '') first.push(span('(empty message)', { dim: true }));
  return lines;
}

/**
 * "14:05 " before the first line and an indent before the others; `mark` goes at the end
 * of the last line, or on a line of its own when it does not fit.
 */
function withTime(ts: number, wrapped: string[], style: Style | undefined, width: number, mark: Span[]): Line[] {
  const lines: Line[] = wrapped.map((text, i) => [
    i === 0 ? span(`${clockTime(ts)} `, { dim: true }) : span(' '.repeat(TIME_WIDTH)),
    span(text, style),
  ]);
  if (mark.length > 0) {
    const last = lines[lines.length - 1]!;
    if (lineWidth(last) + lineWidth(mark) <= width) last.push(...mark);
    else lines.push([span(' '.repeat(TIME_WIDTH)), ...mark.map((part) => ({ ...part, text: part.text.trimStart() }))]);
  }
  return lines;
}

export interface Viewport {
  lines: Line[];
  /** The newest message seq on screen (0 when none). */
  newestVisibleSeq: number;
  /** The top edge of the timeline is on screen. */
  atTop: boolean;
  /** The scroll position used (clamped when the timeline is shorter than asked). */
  scroll: number;
}

/**
 * The `height` lines of the timeline that end `scroll` lines above its newest line. Only
 * the entries that reach the screen are laid out, newest first.
 */
export function viewport(
  entries: readonly TimelineEntry[],
  width: number,
  height: number,
  scroll: number,
  state: ChatState,
  now: number,
): Viewport {
  const needed = scroll + height;
  const lines: Line[] = [];
  const seqs: number[] = [];
  let reachedTop = false;
  for (let i = entries.length - 1; i >= 0 && lines.length < needed; i--) {
    const entry = entries[i]!;
    const entryLinesOut = entryLines(entry, width, state, now);
    const seq = entry.kind === 'message' ? entry.message.seq : 0;
    lines.unshift(...entryLinesOut);
    seqs.unshift(...entryLinesOut.map(() => seq));
    if (i === 0) reachedTop = true;
  }
  const maxScroll = Math.max(0, lines.length - height);
  const used = reachedTop ? Math.min(scroll, maxScroll) : scroll;
  const end = lines.length - used;
  const start = Math.max(0, end - height);
  const shown = lines.slice(start, end);
  const shownSeqs = seqs.slice(start, end);
  while (shown.length < height) {
    // A short timeline sits at the bottom of the pane, under empty lines.
    shown.unshift([]);
  }
  return {
    lines: shown,
    newestVisibleSeq: Math.max(0, ...shownSeqs),
    atTop: reachedTop && start === 0,
    scroll: used,
  };
}

/** Lines an entry takes (to keep the view still when messages arrive while scrolled up). */
export function entryHeight(entry: TimelineEntry, width: number, state: ChatState, now: number): number {
  return entryLines(entry, width, state, now).length;
}
