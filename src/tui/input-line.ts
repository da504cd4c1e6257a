import type { LineEdit } from './key-bindings.js';
import { displayWidth, graphemeWidth, graphemes } from './text-width.js';

/** Most entries the input history keeps. */
export const INPUT_HISTORY_LIMIT = 200;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * The input line's editor: text, a cursor that moves by grapheme (so an emoji or an accented
 * letter is one step), the usual emacs-style edits, and a history of submitted lines. Pure.
 */
export class InputLine {
  private value = '';
  /** Cursor as a UTF-16 offset, always on a grapheme boundary. */
  private cursorAt = 0;
  private readonly history: string[] = [];
  /** Position while browsing history: history.length means "the line being written". */
  private historyIndex = 0;
  private draft = '';
  /** First grapheme shown when the line is wider than the screen. */
  private viewStart = 0;

  get text(): string {
    return this.value;
  }

  get cursor(): number {
    return this.cursorAt;
  }

  set(text: string, cursor = text.length): void {
    this.value = text;
    this.cursorAt = Math.max(0, Math.min(cursor, text.length));
  }

  insert(text: string): void {
    this.value = this.value.slice(0, this.cursorAt) + text + this.value.slice(this.cursorAt);
    this.cursorAt += text.length;
    this.snap();
  }

  backspace(): void {
    const start = this.previousBoundary(this.cursorAt);
    this.deleteRange(start, this.cursorAt);
  }

  deleteForward(): void {
    this.deleteRange(this.cursorAt, this.nextBoundary(this.cursorAt));
  }

  left(): void {
    this.cursorAt = this.previousBoundary(this.cursorAt);
  }

  right(): void {
    this.cursorAt = this.nextBoundary(this.cursorAt);
  }

  home(): void {
    this.cursorAt = 0;
  }

  end(): void {
    this.cursorAt = this.value.length;
  }

  wordLeft(): void {
    this.cursorAt = this.wordStartBefore(this.cursorAt);
  }

  wordRight(): void {
    let at = this.cursorAt;
    while (at < this.value.length && /\s/.test(this.value[at]!)) at++;
    while (at < this.value.length && !/\s/.test(this.value[at]!)) at++;
    this.cursorAt = at;
    this.snap();
  }

  /** Ctrl-W: deletes the word before the cursor (and the spaces after it). */
  deleteWordBack(): void {
    this.deleteRange(this.wordStartBefore(this.cursorAt), this.cursorAt);
  }

  /** Ctrl-U: deletes from the start of the line to the cursor. */
  killToStart(): void {
    this.deleteRange(0, this.cursorAt);
  }

  /** Ctrl-K: deletes from the cursor to the end of the line. */
  killToEnd(): void {
    this.deleteRange(this.cursorAt, this.value.length);
  }

  clear(): void {
    this.value = '';
    this.cursorAt = 0;
    this.viewStart = 0;
  }

  /** Applies an editing key. */
  apply(edit: LineEdit): void {
    switch (edit) {
      case 'backspace':
        return this.backspace();
      case 'delete':
        return this.deleteForward();
      case 'left':
        return this.left();
      case 'right':
        return this.right();
      case 'home':
        return this.home();
      case 'end':
        return this.end();
      case 'word-left':
        return this.wordLeft();
      case 'word-right':
        return this.wordRight();
      case 'delete-word':
        return this.deleteWordBack();
      case 'kill-to-start':
        return this.killToStart();
      case 'kill-to-end':
        return this.killToEnd();
    }
  }

  /** Up: the previous submitted line (the line being written is kept as a draft). */
  historyPrev(): void {
    if (this.historyIndex === 0) return;
    if (this.historyIndex === this.history.length) this.draft = this.value;
    this.historyIndex--;
    this.set(this.history[this.historyIndex]!);
  }

  /** Down: the next submitted line, or back to the draft. */
  historyNext(): void {
    if (this.historyIndex >= this.history.length) return;
    this.historyIndex++;
    this.set(this.historyIndex === this.history.length ? this.draft : this.history[this.historyIndex]!);
  }

  /** Enter: returns the line, remembers it in the history and clears the editor. */
  submit(): string {
    const line = this.value;
    if (line.trim() !== '' && this.history[this.history.length - 1] !== line) {
      this.history.push(line);
      if (this.history.length > INPUT_HISTORY_LIMIT) this.history.shift();
    }
    this.historyIndex = this.history.length;
    this.draft = '';
    this.clear();
    return line;
  }

  /**
   * What to show in `width` cells: the text (newlines from a paste shown as ↵) scrolled
   * sideways so the cursor is visible, and the cursor's column.
   */
  view(width: number): { text: string; cursorCol: number } {
    const cells = graphemes(this.value.replace(/\n/g, '↵'));
    const cursorIndex = graphemes(this.value.slice(0, this.cursorAt)).length;
    const usable = Math.max(1, width - 1);
    if (cursorIndex < this.viewStart) this.viewStart = Math.max(0, cursorIndex - Math.floor(usable / 3));
    while (widthOf(cells, this.viewStart, cursorIndex) > usable) this.viewStart++;
    if (this.viewStart > 0 && widthOf(cells, 0, cells.length) <= usable) this.viewStart = 0;
    let text = '';
    let used = 0;
    for (let i = this.viewStart; i < cells.length; i++) {
      const w = graphemeWidth(cells[i]!);
      if (used + w > width) break;
      text += cells[i];
      used += w;
    }
    return { text, cursorCol: widthOf(cells, this.viewStart, cursorIndex) };
  }

  private deleteRange(start: number, end: number): void {
    if (end <= start) return;
    this.value = this.value.slice(0, start) + this.value.slice(end);
    this.cursorAt = start;
    this.snap();
  }

  private boundaries(): number[] {
    const offsets = [0];
    for (const { index, segment } of segmenter.segment(this.value)) offsets.push(index + segment.length);
    return offsets;
  }

  private previousBoundary(at: number): number {
    let best = 0;
    for (const offset of this.boundaries()) if (offset < at) best = offset;
    return best;
  }

  private nextBoundary(at: number): number {
    for (const offset of this.boundaries()) if (offset > at) return offset;
    return this.value.length;
  }

  /** Moves the cursor forward onto a grapheme boundary (after an insert joined graphemes). */
  private snap(): void {
    for (const offset of this.boundaries()) {
      if (offset >= this.cursorAt) {
        this.cursorAt = offset;
        return;
      }
    }
    this.cursorAt = this.value.length;
  }

  private wordStartBefore(at: number): number {
    let i = at;
    while (i > 0 && /\s/.test(this.value[i - 1]!)) i--;
    while (i > 0 && !/\s/.test(this.value[i - 1]!)) i--;
    return i;
  }
}

function widthOf(cells: readonly string[], from: number, to: number): number {
  return displayWidth(cells.slice(from, to).join(''));
}
