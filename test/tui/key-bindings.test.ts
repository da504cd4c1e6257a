import { describe, expect, it } from 'vitest';
import { KEY_HELP, keyAction, type KeyPress } from '../../src/tui/key-bindings.js';

const key = (name: string, mods: Partial<KeyPress> = {}): KeyPress => ({
  name,
  ctrl: false,
  meta: false,
  shift: false,
  ...mods,
});

describe('tui - key bindings', () => {
  it('typing inserts text; Enter submits; control characters never reach the input', () => {
    expect(keyAction('a', key('a'), false)).toEqual({ type: 'insert', text: 'a' });
    expect(keyAction('日', { sequence: '日' }, false)).toEqual({ type: 'insert', text: '日' });
    expect(keyAction('\r', key('return'), false)).toEqual({ type: 'submit' });
    expect(keyAction('\x1b[99~', { sequence: '\x1b[99~' }, false)).toEqual({ type: 'none' });
  });

  it('inside a bracketed paste, Enter is a newline, not a send', () => {
    expect(keyAction(undefined, key('paste-start'), false)).toEqual({ type: 'paste', active: true });
    expect(keyAction('\r', key('return'), true)).toEqual({ type: 'insert', text: '\n' });
    expect(keyAction('x', key('x'), true)).toEqual({ type: 'insert', text: 'x' });
  });

  it('rooms: Ctrl-N/P, Alt-Up/Down, Alt-digits, Tab for unread', () => {
    expect(keyAction('\x0e', key('n', { ctrl: true }), false)).toEqual({ type: 'room', direction: 1 });
    expect(keyAction('\x10', key('p', { ctrl: true }), false)).toEqual({ type: 'room', direction: -1 });
    expect(keyAction(undefined, key('down', { meta: true }), false)).toEqual({ type: 'room', direction: 1 });
    expect(keyAction(undefined, key('3', { meta: true }), false)).toEqual({ type: 'room-number', index: 2 });
    expect(keyAction('\t', key('tab'), false)).toEqual({ type: 'next-unread' });
  });

  it('scrolling, quitting, focus reports', () => {
    expect(keyAction(undefined, key('pageup'), false)).toEqual({ type: 'scroll', by: 'page', direction: -1 });
    expect(keyAction(undefined, key('down', { shift: true }), false)).toEqual({
      type: 'scroll',
      by: 'line',
      direction: 1,
    });
    expect(keyAction('\x03', key('c', { ctrl: true }), false)).toEqual({ type: 'quit' });
    expect(keyAction('\x04', key('d', { ctrl: true }), false)).toEqual({ type: 'eof' });
    expect(keyAction(undefined, { sequence: '\x1b[O' }, false)).toEqual({ type: 'focus', focused: false });
  });

  it('/help lists a key for every group of actions', () => {
    const listed = KEY_HELP.map(([keys]) => keys).join(' ');
    for (const keyName of ['Enter', 'Ctrl-N', 'Alt-1', 'Tab', 'PgUp', 'Esc', 'Ctrl-C'])
      expect(listed).toContain(keyName);
  });
});
