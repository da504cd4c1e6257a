import { describe, expect, it } from 'vitest';
import { timelineEntries, viewport } from '../../src/tui/message-view.js';
import { plain } from '../../src/tui/spans.js';
import { aliceState, message, T0 } from './fixtures.js';

function roomWith(count: number) {
  const state = aliceState();
  state.open('d_bob');
  state.addHistory(
    'd_bob',
    Array.from({ length: count }, (_, i) => message('d_bob', i + 1, 'bob', `message ${i + 1}`)),
    false,
  );
  return state;
}

describe('tui - message view', () => {
  it('the view shows the newest lines; scrolling up shows older ones, down to the top edge', () => {
    const state = roomWith(30);
    const entries = timelineEntries(state, 'd_bob');
    const bottom = viewport(entries, 40, 5, 0, state, T0);
    expect(bottom.lines.map(plain).at(-1)).toContain('message 30');
    expect(bottom).toMatchObject({ newestVisibleSeq: 30, atTop: false, scroll: 0 });
    const up = viewport(entries, 40, 5, 10, state, T0);
    expect(up.lines.map(plain).at(-1)).toContain('message 20');
    expect(up.newestVisibleSeq).toBe(20);
    const top = viewport(entries, 40, 5, 1000, state, T0);
    expect(top.atTop).toBe(true);
    expect(plain(top.lines[0]!)).toContain('This is the start of your');
    expect(viewport(entries, 40, 5, top.scroll + 1, state, T0).scroll).toBe(top.scroll);
  });

  it('a short timeline sits at the bottom of the pane', () => {
    const state = roomWith(1);
    const view = viewport(timelineEntries(state, 'd_bob'), 40, 6, 0, state, T0);
    // The edge (two lines at 40 cells), the day line and the message, under two empty lines.
    expect(view.lines.slice(0, 2).map(plain)).toEqual(['', '']);
    expect(plain(view.lines[5]!)).toContain('message 1');
    expect(view.atTop).toBe(true);
  });

  it('a day line separates days, and notices sit after the message they followed', () => {
    const state = aliceState();
    state.open('d_bob');
    state.addHistory(
      'd_bob',
      [message('d_bob', 1, 'bob', 'yesterday', T0 - 86_400_000), message('d_bob', 2, 'bob', 'today', T0)],
      false,
    );
    state.notice('d_bob', 'connection lost', 'warn', T0 + 1);
    state.addMessage(message('d_bob', 3, 'bob', 'after', T0 + 2));
    const kinds = timelineEntries(state, 'd_bob').map((e) => (e.kind === 'message' ? e.message.body : e.kind));
    expect(kinds).toEqual(['edge', 'day', 'yesterday', 'day', 'today', 'notice', 'after']);
  });

  it('older history to load is announced at the top', () => {
    const state = aliceState();
    state.open('d_bob');
    state.addHistory('d_bob', [message('d_bob', 51, 'bob', 'x')], true);
    const entries = timelineEntries(state, 'd_bob');
    expect(entries[0]).toMatchObject({ kind: 'edge', text: '↑ older messages: PgUp' });
  });
});
