/**
 * Terminal display width of text, and the cutting and wrapping built on it. Pure.
 *
 * A terminal cell holds one grapheme: CJK ideographs, Hangul, fullwidth forms and emoji take
 * two cells, combining marks and joiners none. JavaScript's `length` counts UTF-16 units, so
 * every layout decision here goes through `displayWidth` instead.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/u;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/u;
/** C0 and C1 controls, DEL, and the bidi overrides/isolates that reorder what follows them. */
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/g;

/** East Asian Wide and Fullwidth ranges (Unicode 15), as [first, last] code points. */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x231a, 0x231b],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x17000, 0x18cff],
  [0x1b000, 0x1b2ff],
  [0x1f200, 0x1f2ff],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

function isWide(cp: number): boolean {
  if (cp < 0x1100) return false;
  let lo = 0;
  let hi = WIDE_RANGES.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [first, last] = WIDE_RANGES[mid]!;
    if (cp < first) hi = mid - 1;
    else if (cp > last) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Cells one code point takes on its own: 0, 1 or 2. */
export function codePointWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  const char = String.fromCodePoint(cp);
  if (ZERO_WIDTH.test(char)) return 0;
  if (isWide(cp) || EMOJI_PRESENTATION.test(char)) return 2;
  return 1;
}

/** Cells one grapheme (user-perceived character) takes. */
export function graphemeWidth(grapheme: string): number {
  if (grapheme.length === 1) return codePointWidth(grapheme.charCodeAt(0));
  // Emoji sequences (ZWJ families, skin tones, flags, text emoji forced with VS16) draw as one wide glyph.
  if (PICTOGRAPHIC.test(grapheme) && (grapheme.includes('\ufe0f') || EMOJI_PRESENTATION.test(grapheme))) return 2;
  let width = 0;
  for (const char of grapheme) width = Math.max(width, codePointWidth(char.codePointAt(0)!));
  return width;
}

export function graphemes(text: string): string[] {
  if (PRINTABLE_ASCII.test(text)) return text.split('');
  return Array.from(segmenter.segment(text), (part) => part.segment);
}

/** Cells the text takes on one line of a terminal. */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * Makes text from other users safe to print: escape sequences in a message body must not
 * move the cursor, recolour or clear the reader's terminal, and bidi overrides must not
 * reorder the rest of the line. Tabs become spaces; newlines are kept (the caller breaks
 * lines on them).
 */
export function sanitize(text: string): string {
  return text.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').replace(UNSAFE, '\ufffd');
}

/** The longest prefix of `text` that fits in `width` cells (a wide grapheme never half-fits). */
export function cutToWidth(text: string, width: number): { head: string; width: number } {
  if (width <= 0) return { head: '', width: 0 };
  if (PRINTABLE_ASCII.test(text)) {
    const head = text.slice(0, width);
    return { head, width: head.length };
  }
  let used = 0;
  let head = '';
  for (const grapheme of graphemes(text)) {
    const w = graphemeWidth(grapheme);
    if (used + w > width) break;
    used += w;
    head += grapheme;
  }
  return { head, width: used };
}

/** Text cut to `width` cells, ending in `ellipsis` when something was cut. */
export function truncate(text: string, width: number, ellipsis = '…'): string {
  if (displayWidth(text) <= width) return text;
  const room = width - displayWidth(ellipsis);
  if (room < 0) return cutToWidth(text, width).head;
  return cutToWidth(text, room).head + ellipsis;
}

/**
 * Word-wraps text into lines of at most `width` cells. Breaks at spaces where it can and
 * inside words (between graphemes) where it must; newlines always break. Spaces at a break
 * are dropped; an empty paragraph stays an empty line.
 */
export function wrap(text: string, width: number): string[] {
  const limit = Math.max(1, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    let lineWidth = 0;
    const flush = () => {
      lines.push(line.trimEnd());
      line = '';
      lineWidth = 0;
    };
    for (const token of paragraph.split(/( +)/)) {
      if (token === '') continue;
      const w = displayWidth(token);
      if (token.startsWith(' ')) {
        // A run of spaces: kept inside a line, dropped where the line breaks.
        if (lineWidth + w < limit) {
          line += token;
          lineWidth += w;
        } else if (lineWidth > 0) {
          flush();
        }
        continue;
      }
      if (lineWidth + w <= limit) {
        line += token;
        lineWidth += w;
        continue;
      }
      if (w <= limit && lineWidth > 0) {
        flush();
        line = token;
        lineWidth = w;
        continue;
      }
      // A word longer than a line: fill the current line, then break it by graphemes.
      for (const grapheme of graphemes(token)) {
        const gw = graphemeWidth(grapheme);
        if (lineWidth + gw > limit && lineWidth > 0) flush();
        line += grapheme;
        lineWidth += gw;
      }
    }
    lines.push(line.trimEnd());
  }
  return lines;
}
