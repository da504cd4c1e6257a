import { describe, expect, it } from 'vitest';
import { renderScreen, sidebarWidth } from '../../src/tui/screen.js';
import { lineWidth, plain } from '../../src/tui/spans.js';
import { aliceState, message, room, T0 } from './fixtures.js';

const NOW = T0 + 3_600_000;

function draw(state = aliceState(), width = 80, height = 24) {
  const frame = renderScreen(state, width, height, NOW);
  return { frame, text: frame.lines.map(plain), all: frame.lines.map(plain).join('\n') };
}

function conversation() {
  const state = aliceState();
  state.setRooms([
    room('d_bob', { lastSeq: 3, readSeq: 3 }),
    room('g_hike', { name: 'hiking', members: ['alice', 'bob', 'carol'], lastSeq: 4, unread: 4 }),
  ]);
  state.open('d_bob');
  state.addHistory(
    'd_bob',
    [
      message('d_bob', 1, 'bob', 'hi alice'),
      message('d_bob', 2, 'alice', 'hey bob! 日本語 👋'),
      message('d_bob', 3, 'bob', 'saturday?'),
    ],
    false,
  );
  state.notePresence([{ user: 'bob', status: 'online', lastSeen: NOW }]);
  return state;
}

describe('tui - screen layout', () => {
  it('every line is exactly the terminal width, at every size', () => {
    const state = conversation();
    for (const [w, h] of [
      [80, 24],
      [120, 40],
      [60, 10],
      [45, 8],
      [40, 8],
    ] as const) {
      const { frame } = draw(state, w, h);
      expect(frame.lines).toHaveLength(h);
      for (const line of frame.lines) expect(lineWidth(line)).toBe(w);
    }
  });

  it('80x24: title with the connection, room list with unread and presence, messages, input', () => {
    const { text, all, frame } = draw(conversation());
    expect(text[0]).toMatch(/^ chat-node +alice@laptop +● connected $/);
    expect(text[1]).toContain('@bob  ● online');
    expect(all).toMatch(/1 ● bob\s+│/);
    expect(all).toMatch(/2 # hiking\s+4 │/);
    expect(all).toContain('alice: hey bob! 日本語 👋 ✓');
    expect(all).toContain('bob: saturday?');
    expect(all).toContain('This is the start of your conversation with bob.');
    expect(text[23]).toBe('› '.padEnd(80));
    expect(frame.cursor).toEqual({ row: 23, col: 2 });
    expect(frame.pane).toMatchObject({ room: 'd_bob', newestVisibleSeq: 3, atTop: true });
  });

  it('delivery states: sending, queued while offline, failed with the way to retry', () => {
    const state = conversation();
    state.addPending({ clientMsgId: 'a', room: 'd_bob', body: 'on my way', at: NOW });
    state.addPending({ clientMsgId: 'b', room: 'd_bob', body: 'too big', at: NOW });
    state.failPending('b', 'the body is too long');
    expect(draw(state).all).toContain('alice: on my way … sending');
    // Too long for the line: the state goes on the next one.
    expect(draw(state).all).toMatch(/alice: too big *│?\n.*│ +✗ not sent: the body is too long · \/retry/);
    state.setConnection({ state: 'reconnecting', reconnectInMs: 4000 }, NOW);
    const { text, all } = draw(state);
    expect(all).toContain('alice: on my way ⧗ queued until reconnected');
    expect(text[0]).toContain('1 queued · ↻ reconnecting in 4s');
  });

  it('typing shows under the messages; scrolled up, a note says how to get back', () => {
    const state = conversation();
    state.setTyping('d_bob', ['bob']);
    expect(draw(state).text[21]).toContain('bob is typing…');
    state.scroll = 1;
    state.newBelow = 2;
    expect(draw(state).text[21]).toMatch(/bob is typing… +↓ 2 new · Esc$/);
  });

  it('long messages wrap under the text, not under the time', () => {
    const state = conversation();
    state.addMessage(message('d_bob', 4, 'bob', 'word '.repeat(30).trim()));
    const lines = draw(state).text.filter((line) => line.includes('word'));
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]).toMatch(/│\d\d:\d\d bob: word/);
    for (const line of lines.slice(1)) expect(line).toMatch(/│ {6}word/);
  });

  it('a narrow terminal drops the room list and says where unread messages are', () => {
    expect(sidebarWidth(59)).toBe(0);
    const { text } = draw(conversation(), 50, 12);
    expect(text[1]).toMatch(/^\[1\/2\] @bob {2}● online +4 unread elsewhere \(Tab\)$/);
    expect(text[2]).not.toContain('│');
    expect(draw(conversation(), 40, 12).text[1]).not.toContain('unread elsewhere');
  });

  it('too small a terminal says so instead of drawing garbage', () => {
    expect(draw(conversation(), 30, 6).text[0]).toContain('terminal too small');
  });

  it('/help is a panel over the messages, scrollable when longer than the pane', () => {
    const state = conversation();
    state.showPanel({ kind: 'help' });
    const { all, text } = draw(state);
    expect(text[1]).toContain('Help  · Esc closes');
    expect(all).toContain('/dm <user>');
    expect(all).toMatch(/↓ \d+ more: PgDn/);
    state.panelScroll = 100;
    const end = draw(state);
    expect(end.all).toContain('Ctrl-C');
    expect(end.frame.panelScroll).toBeLessThan(100);
  });

  it('without rooms, the pane says how to start', () => {
    const state = aliceState();
    state.setRooms([]);
    expect(draw(state).all).toContain('/dm <user>');
  });
});

describe('tui - room list', () => {
  it('a 1:1 room shows whether the other user is online, or how long ago they were seen', () => {
    const state = conversation();
    state.setRooms([...state.rooms, room('d_zoe', { members: ['alice', 'zoe'], unread: 3, lastSeq: 3 })]);
    state.notePresence([{ user: 'zoe', status: 'offline', lastSeen: NOW - 3 * 3_600_000 }]);
    const { all } = draw(state);
    expect(all).toMatch(/1 ● bob\s+│/);
    expect(all).toMatch(/3 ○ zoe 3h\s+3 │/);
  });
});
