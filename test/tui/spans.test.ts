import { describe, expect, it } from 'vitest';
import { fitLine, lineWidth, plain, span, toAnsi } from '../../src/tui/spans.js';

describe('tui - styled lines', () => {
  it('a line is cut or padded to exactly the width, styles kept', () => {
    const line = fitLine([span('● ', { fg: 'green' }), span('日本語のチャット', { bold: true })], 9);
    expect(lineWidth(line)).toBe(9);
    expect(plain(line)).toBe('● 日本語 ');
    expect(line[1]).toEqual({ text: '日本語', style: { bold: true } });
  });

  it('ANSI output: SGR per styled span, trailing padding replaced by erase-to-end-of-line', () => {
    const line = fitLine([span('ok', { fg: 'green', bold: true }), span(' done')], 20);
    expect(toAnsi(line)).toBe('\x1b[1;32mok\x1b[0m done\x1b[K');
    // Without colours (NO_COLOR), emphasis stays but colour goes.
    expect(toAnsi(line, false)).toBe('\x1b[1mok\x1b[0m done\x1b[K');
  });
});
