/**
 * Text from users (room names, push tokens, ids) made safe to print on an operator's terminal:
 * control characters (C0, DEL, C1: escape sequences could recolour, move the cursor, retitle the
 * window or hide lines) and bidirectional overrides (which reorder what follows them) are shown as
 * escapes, e.g. `\x1b` and `\u202e`. Everything else is left as it is.
 */
export function printable(text: string): string {
  return text.replace(UNSAFE, (char) => {
    const code = char.codePointAt(0)!;
    if (char === '\n') return '\\n';
    if (char === '\r') return '\\r';
    if (char === '\t') return '\\t';
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

// C0 controls, DEL and C1 controls; LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI; LRM, RLM, ALM.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/g;
