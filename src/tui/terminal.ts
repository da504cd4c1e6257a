import { emitKeypressEvents } from 'node:readline';
import type { KeyPress } from './key-bindings.js';
import { toAnsi, type Line } from './spans.js';

/**
 * The terminal under `chat-node chat`: alternate screen, raw keys, bracketed paste, focus
 * reports, resize, and a frame writer that repaints only the lines that changed. Whatever
 * happens (quit, a signal, a crash), `restore()` puts the terminal back as it was; it is
 * idempotent and synchronous so it can run from an 'exit' handler.
 */

const CSI = '\x1b[';
const ENTER = `${CSI}?1049h${CSI}?2004h${CSI}?1004h${CSI}2J`;
const LEAVE = `${CSI}0m${CSI}?1004l${CSI}?2004l${CSI}?25h${CSI}?1049l`;
/** Synchronized output (DEC 2026): terminals that know it paint a frame at once; others ignore it. */
const BEGIN_FRAME = `${CSI}?2026h${CSI}?25l`;
const END_FRAME = `${CSI}?2026l`;

export interface TerminalHandlers {
  key(str: string | undefined, key: KeyPress): void;
  resize(): void;
}

export class Terminal {
  private active = false;
  private painted: string[] = [];
  private readonly onKeypress = (str: string | undefined, key: KeyPress | undefined) =>
    this.handlers?.key(str, key ?? {});
  private readonly onResize = () => {
    // Terminals reflow or crop the old frame differently: start from a clean screen.
    this.invalidate();
    this.handlers?.resize();
  };
  private readonly onExit = () => this.restore();
  private handlers: TerminalHandlers | undefined;

  constructor(
    private readonly input: NodeJS.ReadStream = process.stdin,
    private readonly output: NodeJS.WriteStream = process.stdout,
    private readonly colors = process.env.NO_COLOR === undefined,
  ) {}

  /** True when both ends are a terminal (the full-screen client needs one). */
  static available(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stdout): boolean {
    return input.isTTY === true && output.isTTY === true;
  }

  get width(): number {
    return this.output.columns || 80;
  }

  get height(): number {
    return this.output.rows || 24;
  }

  start(handlers: TerminalHandlers): void {
    if (this.active) return;
    this.active = true;
    this.handlers = handlers;
    emitKeypressEvents(this.input);
    this.input.setRawMode(true);
    this.input.resume();
    this.input.on('keypress', this.onKeypress);
    this.output.on('resize', this.onResize);
    process.on('exit', this.onExit);
    this.output.write(ENTER);
  }

  /** Paints a frame: only the lines that differ from the last frame, then the cursor. */
  draw(lines: readonly Line[], cursor: { row: number; col: number } | undefined): void {
    if (!this.active) return;
    let out = BEGIN_FRAME;
    lines.forEach((line, row) => {
      const text = toAnsi(line, this.colors);
      if (this.painted[row] !== text) out += `${CSI}${row + 1};1H${text}`;
      this.painted[row] = text;
    });
    this.painted.length = lines.length;
    if (cursor) out += `${CSI}${cursor.row + 1};${cursor.col + 1}H${CSI}?25h`;
    out += END_FRAME;
    this.output.write(out);
  }

  /** Forgets what is on screen, so the next draw repaints everything (Ctrl-L). */
  invalidate(): void {
    this.painted = [];
    if (this.active) this.output.write(`${CSI}2J`);
  }

  /** Leaves the alternate screen, shows the cursor, ends raw mode. Safe to call twice. */
  restore(): void {
    if (!this.active) return;
    this.active = false;
    this.input.off('keypress', this.onKeypress);
    this.output.off('resize', this.onResize);
    process.off('exit', this.onExit);
    try {
      this.input.setRawMode(false);
    } catch {
      // stdin may already be gone (the terminal closed); nothing left to restore there.
    }
    this.input.pause();
    try {
      this.output.write(LEAVE);
    } catch {
      // As above: a closed terminal cannot be restored.
    }
  }
}
