import { describe, expect, it } from 'vitest';
import {
  ago,
  clockTime,
  dayLabel,
  lastSeenText,
  tailJson,
  tailLine,
  typingText,
  userColor,
} from '../../src/tui/message-format.js';
import { message, T0 } from './fixtures.js';

describe('tui - message formatting', () => {
  it('tail prints one line per message, made safe for a terminal', () => {
    const line = tailLine(message('d_1', 1, 'bob', 'hi \x1b[2Jthere', new Date(2024, 2, 4, 9, 7, 5).getTime()));
    expect(line).toBe('[2024-03-04 09:07:05] bob: hi \ufffd[2Jthere');
    expect(tailLine(message('d_1', 2, 'bob', 'two\nlines'))).toMatch(/bob: two\n {4}lines$/);
    expect(JSON.parse(tailJson(message('d_1', 3, 'bob', 'x')))).toMatchObject({
      room: 'd_1',
      seq: 3,
      sender: 'bob',
      body: 'x',
    });
  });

  it('times, days and last seen', () => {
    expect(clockTime(new Date(2024, 0, 1, 7, 3).getTime())).toBe('07:03');
    expect(dayLabel(T0, T0)).toBe('Today');
    expect(dayLabel(T0 - 86_400_000, T0)).toBe('Yesterday');
    expect(dayLabel(new Date(2024, 1, 26).getTime(), T0)).toBe('Monday 26 February 2024');
    expect(ago(T0 - 30_000, T0)).toBe('just now');
    expect(ago(T0 - 5 * 60_000, T0)).toBe('5m ago');
    expect(ago(T0 - 3 * 3_600_000, T0)).toBe('3h ago');
    expect(ago(T0 - 4 * 86_400_000, T0)).toBe('4d ago');
    expect(lastSeenText(null, T0)).toBe('never seen');
  });

  it('typing text for one, two and more typists', () => {
    expect(typingText([])).toBe('');
    expect(typingText(['bob'])).toBe('bob is typing…');
    expect(typingText(['bob', 'carol'])).toBe('bob and carol are typing…');
    expect(typingText(['a', 'b', 'c'])).toBe('3 people are typing…');
  });

  it('each sender keeps one colour; yours is green', () => {
    expect(userColor('bob', 'alice')).toBe(userColor('bob', 'carol'));
    expect(userColor('alice', 'alice')).toBe('green');
  });
});
