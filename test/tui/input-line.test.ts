import { describe, expect, it } from 'vitest';
import { InputLine } from '../../src/tui/input-line.js';

function typed(text: string): InputLine {
  const line = new InputLine();
  line.insert(text);
  return line;
}

describe('tui - input line', () => {
  it('inserts at the cursor, moves by grapheme, deletes both ways', () => {
    const line = typed('helo');
    line.left();
    line.insert('l');
    expect(line.text).toBe('hello');
    line.home();
    line.deleteForward();
    expect(line.text).toBe('ello');
    line.end();
    line.backspace();
    expect(line.text).toBe('ell');
  });

  it('an emoji, a flag or an accented letter is one step and one backspace', () => {
    const line = typed('a👍🏽b🇫🇷e\u0301');
    line.backspace();
    expect(line.text).toBe('a👍🏽b🇫🇷');
    line.backspace();
    expect(line.text).toBe('a👍🏽b');
    line.left();
    line.backspace();
    expect(line.text).toBe('ab');
    expect(line.cursor).toBe(1);
  });

  it('word and line kills: Ctrl-W, Ctrl-U, Ctrl-K', () => {
    const line = typed('one two  three');
    line.deleteWordBack();
    expect(line.text).toBe('one two  ');
    line.wordLeft();
    line.killToEnd();
    expect(line.text).toBe('one ');
    line.insert('2');
    line.killToStart();
    expect(line.text).toBe('');
  });

  it('word moves skip spaces then a word', () => {
    const line = typed('alpha beta gamma');
    line.wordLeft();
    expect(line.cursor).toBe(11);
    line.wordLeft();
    expect(line.cursor).toBe(6);
    line.wordRight();
    expect(line.cursor).toBe(10);
  });

  it('history: Up recalls earlier lines, Down returns to the draft', () => {
    const line = new InputLine();
    for (const text of ['first', 'second', 'second', '  ']) {
      line.insert(text);
      line.submit();
    }
    line.insert('draft');
    line.historyPrev();
    expect(line.text).toBe('second');
    line.historyPrev();
    expect(line.text).toBe('first');
    line.historyPrev();
    expect(line.text).toBe('first');
    line.historyNext();
    line.historyNext();
    expect(line.text).toBe('draft');
  });

  it('a line wider than the screen scrolls sideways to keep the cursor in view', () => {
    const line = typed('x'.repeat(30) + 'END');
    const view = line.view(10);
    expect(view.text.endsWith('END')).toBe(true);
    expect(view.cursorCol).toBeLessThanOrEqual(9);
    line.home();
    expect(line.view(10)).toEqual({ text: 'x'.repeat(10), cursorCol: 0 });
  });

  it('the cursor column counts cells, and pasted newlines show as ↵', () => {
    const line = typed('日本');
    expect(line.view(20)).toEqual({ text: '日本', cursorCol: 4 });
    line.insert('\nb');
    expect(line.view(20).text).toBe('日本↵b');
    expect(line.text).toBe('日本\nb');
  });
});
