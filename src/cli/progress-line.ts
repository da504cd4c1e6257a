/**
 * The live status line of a long-running command (`sim`, `bench latency`, `bench presence`).
 *
 * On a terminal it is one line redrawn in place and cut to the terminal's width: a line longer
 * than the terminal wraps, and `\r` then returns only to the start of its last row, so every
 * redraw leaves the rows above behind. Elsewhere (a pipe, a CI log) there is no redrawing: a
 * plain line at each phase change and every `plainEveryMs` otherwise, without `\r` or ANSI codes.
 */

export interface ProgressStatus {
  /** What is under way (`connecting`, `steady`, ...); off a terminal, a change prints a line at once. */
  phase: string;
  /** Time spent so far, shown after the phase. */
  elapsedMs: number;
  /** Time left, when it can be told. */
  etaMs?: number;
  /** Figures, the most useful first: a narrow terminal drops them from the end. */
  figures: string[];
}

/** The part of a Node stream the line needs (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  /** The terminal's width, kept current by Node on a TTY. */
  columns?: number;
  on?(event: 'resize', listener: () => void): unknown;
  off?(event: 'resize', listener: () => void): unknown;
}

export interface ProgressLineOptions {
  /** Off a terminal, the least time between two lines of the same phase (default 5000 ms). */
  plainEveryMs?: number;
  /** The clock (default Date.now). */
  now?: () => number;
}

const SEPARATOR = ' | ';
/** A terminal whose width Node cannot tell (columns 0 or unset) is taken as this wide. */
const FALLBACK_COLUMNS = 80;
const CLEAR_LINE = '\r\x1b[2K';

/** 42s, 1m05s, 2h03m: a clock for elapsed times and ETAs (whole seconds). */
export function formatClock(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds}s`;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m${pad(seconds % 60)}s`;
  return `${Math.floor(seconds / 3600)}h${pad(Math.floor(seconds / 60) % 60)}m`;
}

/** The phase, its clock and its ETA: `steady 42s, ETA 1m18s`. */
export function statusHead(status: ProgressStatus): string {
  const eta = status.etaMs === undefined ? '' : `, ETA ${formatClock(status.etaMs)}`;
  return `${status.phase} ${formatClock(status.elapsedMs)}${eta}`;
}

/**
 * The status as one line of at most `width` characters (no limit when undefined): the head,
 * then as many figures as fit in their order; a head wider than `width` is cut with an ellipsis.
 */
export function formatStatus(status: ProgressStatus, width?: number): string {
  const head = statusHead(status);
  if (width === undefined) return [head, ...status.figures].join(SEPARATOR);
  if (head.length > width) return width <= 1 ? head.slice(0, Math.max(0, width)) : `${head.slice(0, width - 1)}…`;
  let line = head;
  for (const figure of status.figures) {
    const next = `${line}${SEPARATOR}${figure}`;
    // Stop at the first figure that does not fit: a later, shorter one is also less useful.
    if (next.length > width) break;
    line = next;
  }
  return line;
}

/**
 * Writes a status line and notes to a stream: redrawn in place on a terminal (at its current
 * width, again when it is resized), plain periodic lines elsewhere.
 */
export class ProgressLine {
  private readonly plainEveryMs: number;
  private readonly now: () => number;
  private readonly tty: boolean;
  /** The status on screen (terminal) or the latest one (elsewhere). */
  private current: ProgressStatus | undefined;
  /** Off a terminal: whether `current` has been printed, and when and in which phase the last line was. */
  private currentPrinted = false;
  private lastPlain: { at: number; phase: string } | undefined;
  private readonly onResize = () => this.redraw();

  constructor(
    private readonly stream: ProgressStream = process.stderr,
    options: ProgressLineOptions = {},
  ) {
    this.plainEveryMs = options.plainEveryMs ?? 5000;
    this.now = options.now ?? Date.now;
    this.tty = stream.isTTY === true;
    if (this.tty) stream.on?.('resize', this.onResize);
  }

  /** Shows the latest status. */
  show(status: ProgressStatus): void {
    this.current = status;
    if (this.tty) {
      this.redraw();
      return;
    }
    this.currentPrinted = false;
    const now = this.now();
    const last = this.lastPlain;
    if (last === undefined || last.phase !== status.phase || now - last.at >= this.plainEveryMs) this.printPlain(now);
  }

  /** A line to keep (a plan, a warning): printed above the status line, which stays. */
  note(line: string): void {
    if (!this.tty) {
      this.stream.write(`${line}\n`);
      return;
    }
    this.stream.write(`${CLEAR_LINE}${line}\n`);
    this.redraw();
  }

  /**
   * Ends the status: on a terminal the last one stays on screen and the cursor moves below it;
   * elsewhere the last status is printed if it was not. The next show() starts a new line.
   */
  end(): void {
    if (this.current !== undefined) {
      if (this.tty) this.stream.write('\n');
      else if (!this.currentPrinted) this.printPlain(this.now());
    }
    this.current = undefined;
    this.lastPlain = undefined;
  }

  /** Ends the status and stops following the terminal's size (once the command is done with the line; again is harmless). */
  close(): void {
    this.end();
    if (this.tty) this.stream.off?.('resize', this.onResize);
  }

  private redraw(): void {
    if (this.current === undefined) return;
    // One column spare: a line that fills the last column leaves some terminals about to wrap.
    const width = (this.stream.columns || FALLBACK_COLUMNS) - 1;
    this.stream.write(`${CLEAR_LINE}${formatStatus(this.current, width)}`);
  }

  private printPlain(now: number): void {
    if (this.current === undefined) return;
    this.stream.write(`${formatStatus(this.current)}\n`);
    this.currentPrinted = true;
    this.lastPlain = { at: now, phase: this.current.phase };
  }
}
