import { cutToWidth, displayWidth } from './text-width.js';

/**
 * Styled text for the screen: a line is a list of spans, each with a style. Layout works on
 * spans (so widths are measured without escape codes, and tests read plain text); the
 * terminal turns them into ANSI SGR sequences last.
 */

export type Color = 'red' | 'green' | 'yellow' | 'blue' | 'magenta' | 'cyan' | 'gray';

export interface Style {
  fg?: Color;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

export interface Span {
  text: string;
  style?: Style;
}

export type Line = Span[];

export function span(text: string, style?: Style): Span {
  return style ? { text, style } : { text };
}

export function lineWidth(line: Line): number {
  let width = 0;
  for (const part of line) width += displayWidth(part.text);
  return width;
}

export function plain(line: Line): string {
  return line.map((part) => part.text).join('');
}

/** The line cut to `width` cells and padded with plain spaces to exactly `width`. */
export function fitLine(line: Line, width: number): Line {
  const out: Line = [];
  let used = 0;
  for (const part of line) {
    if (used >= width) break;
    const { head, width: w } = cutToWidth(part.text, width - used);
    if (head.length > 0) out.push(part.style ? { text: head, style: part.style } : { text: head });
    used += w;
    if (w < displayWidth(part.text)) break;
  }
  if (used < width) out.push({ text: ' '.repeat(width - used) });
  return out;
}

const FG: Record<Color, number> = { red: 31, green: 32, yellow: 33, blue: 34, magenta: 35, cyan: 36, gray: 90 };

function sgr(style: Style | undefined, colors: boolean): string {
  if (!style) return '';
  const codes: number[] = [];
  if (style.bold) codes.push(1);
  if (style.dim) codes.push(2);
  if (style.underline) codes.push(4);
  if (style.inverse) codes.push(7);
  if (style.fg && colors) codes.push(FG[style.fg]);
  return codes.length > 0 ? `\x1b[${codes.join(';')}m` : '';
}

/**
 * The line as terminal output. Trailing unstyled spaces become "erase to end of line", so a
 * full-width line never writes into the last cell of the screen (which may scroll it).
 */
export function toAnsi(line: Line, colors = true): string {
  const parts = [...line];
  while (parts.length > 0 && !parts[parts.length - 1]!.style && parts[parts.length - 1]!.text.trim() === '')
    parts.pop();
  let out = '';
  for (const part of parts) {
    const open = sgr(part.style, colors);
    out += open ? `${open}${part.text}\x1b[0m` : part.text;
  }
  return `${out}\x1b[K`;
}
