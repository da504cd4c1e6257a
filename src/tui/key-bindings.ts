/**
 * What each key does in `chat-node chat`. Pure: a key as node:readline's keypress events
 * describe it goes in, an action comes out; /help renders KEY_HELP.
 */

/** A key press as readline.emitKeypressEvents reports it. */
export interface KeyPress {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

export type KeyAction =
  | { type: 'insert'; text: string }
  | { type: 'submit' }
  | { type: 'quit' }
  | { type: 'eof' }
  | { type: 'edit'; edit: LineEdit }
  | { type: 'history'; direction: -1 | 1 }
  | { type: 'room'; direction: -1 | 1 }
  | { type: 'room-number'; index: number }
  | { type: 'next-unread' }
  | { type: 'scroll'; by: 'page' | 'line'; direction: -1 | 1 }
  | { type: 'scroll-bottom' }
  | { type: 'escape' }
  | { type: 'redraw' }
  | { type: 'focus'; focused: boolean }
  | { type: 'paste'; active: boolean }
  | { type: 'none' };

export type LineEdit =
  | 'backspace'
  | 'delete'
  | 'left'
  | 'right'
  | 'home'
  | 'end'
  | 'word-left'
  | 'word-right'
  | 'delete-word'
  | 'kill-to-start'
  | 'kill-to-end';

/** Keys listed by /help, grouped. */
export const KEY_HELP: ReadonlyArray<readonly [string, string]> = [
  ['Enter', 'send, or run the /command'],
  ['Ctrl-N / Ctrl-P', 'next / previous room (Alt-Down / Alt-Up)'],
  ['Alt-1 .. Alt-9', 'room 1 .. 9 of the list'],
  ['Tab', 'next room with unread messages'],
  ['PgUp / PgDn', 'scroll; older history loads at the top'],
  ['Shift-Up / Down', 'scroll a line'],
  ['Esc', 'close a panel; back to the newest'],
  ['Up / Down', 'lines you entered before'],
  ['Ctrl-A / Ctrl-E', 'start / end of the line (Home / End)'],
  ['Ctrl-W / U / K', 'delete word / to start / to end'],
  ['Ctrl-L', 'redraw the screen'],
  ['Ctrl-C', 'quit (Ctrl-D too, on an empty line)'],
];

export function keyAction(str: string | undefined, key: KeyPress, pasting: boolean): KeyAction {
  const name = key.name;
  if (key.sequence === '\x1b[I') return { type: 'focus', focused: true };
  if (key.sequence === '\x1b[O') return { type: 'focus', focused: false };
  if (name === 'paste-start') return { type: 'paste', active: true };
  if (name === 'paste-end') return { type: 'paste', active: false };
  if (pasting) {
    // Pasted text is text: a pasted newline must not send half a message.
    if (name === 'return' || name === 'enter') return { type: 'insert', text: '\n' };
    if (name === 'tab') return { type: 'insert', text: '    ' };
    return printable(str);
  }
  if (key.ctrl) {
    switch (name) {
      case 'c':
        return { type: 'quit' };
      case 'd':
        return { type: 'eof' };
      case 'n':
      case 'down':
        return { type: 'room', direction: 1 };
      case 'p':
      case 'up':
        return { type: 'room', direction: -1 };
      case 'a':
        return edit('home');
      case 'e':
        return edit('end');
      case 'b':
        return edit('left');
      case 'f':
        return edit('right');
      case 'h':
        return edit('backspace');
      case 'w':
        return edit('delete-word');
      case 'u':
        return edit('kill-to-start');
      case 'k':
        return edit('kill-to-end');
      case 'left':
        return edit('word-left');
      case 'right':
        return edit('word-right');
      case 'l':
        return { type: 'redraw' };
      case 'end':
        return { type: 'scroll-bottom' };
      default:
        return { type: 'none' };
    }
  }
  if (key.meta) {
    if (name !== undefined && /^[1-9]$/.test(name)) return { type: 'room-number', index: Number(name) - 1 };
    switch (name) {
      case 'down':
        return { type: 'room', direction: 1 };
      case 'up':
        return { type: 'room', direction: -1 };
      case 'b':
      case 'left':
        return edit('word-left');
      case 'f':
      case 'right':
        return edit('word-right');
      case 'backspace':
        return edit('delete-word');
      case 'escape':
        return { type: 'escape' };
      case 'pageup':
        return { type: 'scroll', by: 'page', direction: -1 };
      case 'pagedown':
        return { type: 'scroll', by: 'page', direction: 1 };
      default:
        return { type: 'none' };
    }
  }
  if (key.shift) {
    if (name === 'up') return { type: 'scroll', by: 'line', direction: -1 };
    if (name === 'down') return { type: 'scroll', by: 'line', direction: 1 };
    if (name === 'tab') return { type: 'room', direction: -1 };
  }
  switch (name) {
    case 'return':
    case 'enter':
      return { type: 'submit' };
    case 'backspace':
      return edit('backspace');
    case 'delete':
      return edit('delete');
    case 'left':
      return edit('left');
    case 'right':
      return edit('right');
    case 'home':
      return edit('home');
    case 'end':
      return edit('end');
    case 'up':
      return { type: 'history', direction: -1 };
    case 'down':
      return { type: 'history', direction: 1 };
    case 'pageup':
      return { type: 'scroll', by: 'page', direction: -1 };
    case 'pagedown':
      return { type: 'scroll', by: 'page', direction: 1 };
    case 'tab':
      return { type: 'next-unread' };
    case 'escape':
      return { type: 'escape' };
    default:
      return printable(str);
  }
}

function edit(which: LineEdit): KeyAction {
  return { type: 'edit', edit: which };
}

function printable(str: string | undefined): KeyAction {
  // An escape sequence readline did not name (an unknown key) is not text either.
  if (str === undefined || str === '' || str.includes('\x1b')) return { type: 'none' };
  // Control characters never enter the input (they would reach other users' terminals).
  const text = str.replace(/[\x00-\x1f\x7f-\x9f]/g, '');
  return text === '' ? { type: 'none' } : { type: 'insert', text };
}
