import { describe, expect, it } from 'vitest';
import { cutToWidth, displayWidth, sanitize, truncate, wrap } from '../../src/tui/text-width.js';

describe('tui - text width', () => {
  it('ASCII is one cell a character; CJK and emoji two; combining marks none', () => {
    expect(displayWidth('hello')).toBe(5);
    expect(displayWidth('日本語')).toBe(6);
    expect(displayWidth('한국')).toBe(4);
    expect(displayWidth('ＡＢ')).toBe(4);
    expect(displayWidth('👋')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('ça va')).toBe(5);
  });

  it('emoji sequences (ZWJ family, skin tone, flag, VS16) are one wide cell pair', () => {
    expect(displayWidth('👨‍👩‍👧')).toBe(2);
    expect(displayWidth('👍🏽')).toBe(2);
    expect(displayWidth('🇫🇷')).toBe(2);
    expect(displayWidth('❤️')).toBe(2);
    expect(displayWidth('✓')).toBe(1);
  });

  it('cutting never splits a wide character or a grapheme', () => {
    expect(cutToWidth('日本語', 5)).toEqual({ head: '日本', width: 4 });
    expect(cutToWidth('ae\u0301b', 2)).toEqual({ head: 'ae\u0301', width: 2 });
    expect(truncate('a long room name', 8)).toBe('a long …');
    expect(truncate('short', 8)).toBe('short');
  });

  it('wrapping breaks at spaces, keeps words whole when they fit, and hard-breaks long ones', () => {
    expect(wrap('the quick brown fox jumps', 10)).toEqual(['the quick', 'brown fox', 'jumps']);
    expect(wrap('abcdefghijkl', 5)).toEqual(['abcde', 'fghij', 'kl']);
    // A word longer than a line fills the line it starts on, then breaks.
    expect(wrap('see https://example.com/a/very/long/path ok', 12)).toEqual([
      'see https://',
      'example.com/',
      'a/very/long/',
      'path ok',
    ]);
    expect(wrap('line one\n\nline three', 20)).toEqual(['line one', '', 'line three']);
  });

  it('wrapping counts cells: CJK lines hold half as many characters', () => {
    const lines = wrap('日本語のテキストです', 8);
    expect(lines).toEqual(['日本語の', 'テキスト', 'です']);
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(8);
    // A wide character never sticks out of an odd width.
    for (const line of wrap('日本語のテキスト', 5)) expect(displayWidth(line)).toBeLessThanOrEqual(5);
  });

  it('message text from others cannot drive the terminal: escapes and bidi overrides are replaced', () => {
    expect(sanitize('red \x1b[31mtext\x1b[0m')).toBe('red \ufffd[31mtext\ufffd[0m');
    expect(sanitize('a\rb\r\nc\td')).toBe('a\nb\nc    d');
    expect(sanitize('abc\u202edcba')).toBe('abc\ufffddcba');
    expect(sanitize('\x07bell \x9bcsi')).toBe('\ufffdbell \ufffdcsi');
  });
});
