export interface WatchOptions {
  /** How often the view is refreshed (default 1000 ms). */
  intervalMs?: number;
  /** Full screen (the terminal's alternate screen, redrawn in place), or one report after another (default: whether `out` is a terminal). */
  fullScreen?: boolean;
  out?: NodeJS.WriteStream;
  input?: NodeJS.ReadStream;
}

const ENTER = '\x1b[?1049h\x1b[?25l';
const LEAVE = '\x1b[?25h\x1b[?1049l';

/**
 * `status --watch`: collects and shows the status every interval until q, Ctrl-C or SIGTERM.
 * Full screen it redraws in place, each line cut to the terminal's width (a wrapped line would
 * push the view off the screen); otherwise (a pipe, a log file) it prints each report in turn.
 */
export async function watchStatus(frame: () => Promise<string[]>, options: WatchOptions = {}): Promise<void> {
  const out = options.out ?? process.stdout;
  const input = options.input ?? process.stdin;
  const intervalMs = options.intervalMs ?? 1000;
  const fullScreen = options.fullScreen ?? out.isTTY === true;
  let stopped = false;
  let wake: () => void = () => {};
  const stop = () => {
    stopped = true;
    wake();
  };
  const onKey = (data: Buffer) => {
    const key = data.toString();
    if (key === 'q' || key === 'Q' || key === '\x03' || key === '\x1b') stop();
  };
  let last: string[] = [];
  const draw = () => {
    const width = out.columns ?? 120;
    const height = out.rows ?? 40;
    const footer = `refreshing every ${intervalMs / 1000} s; q or Ctrl-C quits`;
    const shown = [...last.slice(0, Math.max(1, height - 2)), '', footer].map(
      (line) => `${line.slice(0, width)}\x1b[K`,
    );
    out.write(`\x1b[H${shown.join('\n')}\x1b[J`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  if (fullScreen) {
    out.write(ENTER);
    out.on('resize', draw);
    if (input.isTTY) {
      input.setRawMode(true);
      input.resume();
      input.on('data', onKey);
    }
  }
  try {
    while (!stopped) {
      const started = Date.now();
      const lines = await frame();
      if (stopped) break;
      if (fullScreen) {
        last = lines;
        draw();
      } else {
        out.write(`${lines.join('\n')}\n`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, intervalMs - (Date.now() - started)));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    if (fullScreen) {
      out.off('resize', draw);
      if (input.isTTY) {
        input.off('data', onKey);
        input.setRawMode(false);
        input.pause();
      }
      out.write(LEAVE);
    }
  }
}
