import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { formatClock, formatStatus, ProgressLine, type ProgressStatus } from '../../src/cli/progress-line.js';

/** A stream that records what is written, as a terminal of some width or as a pipe. */
class FakeStream extends EventEmitter {
  readonly writes: string[] = [];
  constructor(
    readonly isTTY: boolean,
    public columns?: number,
  ) {
    super();
  }
  write(text: string): boolean {
    this.writes.push(text);
    return true;
  }
  get text(): string {
    return this.writes.join('');
  }
}

/** A status as the simulator shows it in the steady phase: about 160 characters in full. */
const steady: ProgressStatus = {
  phase: 'steady',
  elapsedMs: 42_000,
  etaMs: 78_000,
  figures: [
    'p50/p99 3.1/12.4 ms',
    'sent 1000/s',
    'delivered 9800/s',
    '5000/5000 live',
    'so far 3.0/11.9 ms',
    'acked 41990 of 42000',
    'delivered 410000',
    'errors 0',
  ],
};

/** What a terminal shows after the writes: the text after the last carriage return, without ANSI codes. */
function screenLine(writes: string[]): string {
  const all = writes.join('');
  return all.slice(all.lastIndexOf('\r') + 1).replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

describe('progress line', () => {
  it('keeps every figure when nothing limits the width', () => {
    const line = formatStatus(steady);
    expect(line).toBe(
      'steady 42s, ETA 1m18s | p50/p99 3.1/12.4 ms | sent 1000/s | delivered 9800/s | 5000/5000 live | so far 3.0/11.9 ms | acked 41990 of 42000 | delivered 410000 | errors 0',
    );
    expect(line.length).toBeGreaterThan(150);
  });

  it.each([
    [80, ['steady 42s, ETA 1m18s', 'p50/p99 3.1/12.4 ms', 'sent 1000/s', 'delivered 9800/s']],
    [
      120,
      [
        'steady 42s, ETA 1m18s',
        'p50/p99 3.1/12.4 ms',
        'sent 1000/s',
        'delivered 9800/s',
        '5000/5000 live',
        'so far 3.0/11.9 ms',
      ],
    ],
    [40, ['steady 42s, ETA 1m18s']],
  ])('on a %i-column terminal, draws one row with the most useful figures', (columns, kept) => {
    const stream = new FakeStream(true, columns);
    new ProgressLine(stream).show(steady);
    const shown = screenLine(stream.writes);
    expect(shown.length).toBeLessThan(columns);
    expect(shown).toBe(kept.join(' | '));
    expect(stream.text.startsWith('\r\x1b[2K')).toBe(true);
    expect(stream.text).not.toContain('\n');
  });

  it('cuts a head wider than the terminal with an ellipsis', () => {
    expect(formatStatus(steady, 10)).toBe('steady 42…');
    expect(formatStatus(steady, 10)).toHaveLength(10);
  });

  it('redraws at the new width when the terminal is resized', () => {
    const stream = new FakeStream(true, 120);
    new ProgressLine(stream).show(steady);
    expect(screenLine(stream.writes)).toContain('so far');
    stream.columns = 40;
    stream.emit('resize');
    expect(screenLine(stream.writes)).toBe('steady 42s, ETA 1m18s');
  });

  it('takes a terminal of unknown width as 80 columns', () => {
    const stream = new FakeStream(true, 0);
    new ProgressLine(stream).show(steady);
    expect(screenLine(stream.writes).length).toBeLessThan(80);
    expect(screenLine(stream.writes)).toContain('delivered 9800/s');
  });

  it('prints a note above the status on a terminal, and draws the status again below it', () => {
    const stream = new FakeStream(true, 80);
    const line = new ProgressLine(stream);
    line.show(steady);
    line.note('checking: reading every room');
    expect(stream.text).toContain('\r\x1b[2Kchecking: reading every room\n');
    expect(screenLine(stream.writes)).toMatch(/^steady 42s/);
  });

  it('ends the status on a terminal by moving below it, and stops following resizes once closed', () => {
    const stream = new FakeStream(true, 80);
    const line = new ProgressLine(stream);
    line.show(steady);
    line.close();
    expect(stream.text.endsWith('\n')).toBe(true);
    const written = stream.writes.length;
    stream.emit('resize');
    expect(stream.writes).toHaveLength(written);
    expect(stream.listenerCount('resize')).toBe(0);
  });

  it('off a terminal, prints plain full lines: each phase at once, then every 5 s', () => {
    const stream = new FakeStream(false);
    let now = 0;
    const line = new ProgressLine(stream, { now: () => now });
    const at = (ms: number, status: ProgressStatus) => {
      now = ms;
      line.show(status);
    };
    const connecting: ProgressStatus = { phase: 'connecting', elapsedMs: 0, figures: ['0/5000 live'] };
    at(0, connecting);
    at(1000, { ...connecting, elapsedMs: 1000 });
    at(4999, { ...connecting, elapsedMs: 4999 });
    at(5000, { ...connecting, elapsedMs: 5000, figures: ['4000/5000 live'] });
    at(6000, { ...steady, phase: 'ramp', elapsedMs: 0 });
    at(7000, { ...steady, phase: 'ramp', elapsedMs: 1000 });
    line.note('a note');
    at(8000, { ...steady, phase: 'ramp', elapsedMs: 2000 });
    line.close();
    const lines = stream.text.split('\n');
    expect(lines).toEqual([
      'connecting 0s | 0/5000 live',
      'connecting 5s | 4000/5000 live',
      formatStatus({ ...steady, phase: 'ramp', elapsedMs: 0 }),
      'a note',
      // The last status, printed when the line ends since 5 s had not passed.
      formatStatus({ ...steady, phase: 'ramp', elapsedMs: 2000 }),
      '',
    ]);
    expect(stream.text).not.toMatch(/[\r\x1b]/);
  });

  it('off a terminal, prints nothing more at the end when the last status was printed', () => {
    const stream = new FakeStream(false);
    const line = new ProgressLine(stream, { now: () => 0 });
    line.show(steady);
    line.end();
    line.close();
    expect(stream.writes).toEqual([`${formatStatus(steady)}\n`]);
  });

  it('shows elapsed times and ETAs as a clock', () => {
    expect(formatClock(0)).toBe('0s');
    expect(formatClock(42_400)).toBe('42s');
    expect(formatClock(65_000)).toBe('1m05s');
    expect(formatClock(7_380_000)).toBe('2h03m');
    expect(formatClock(-500)).toBe('0s');
  });
});
