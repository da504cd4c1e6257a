import { describe, expect, it } from 'vitest';
import { printable } from '../../src/cli/printable.js';
import { renderTable } from '../../src/cli/table.js';

describe('cli - user text on an operator terminal', () => {
  it('control characters and bidi overrides are shown as escapes; other text is left alone', () => {
    expect(printable('\u001b]0;pwned\u0007\u001b[2Jroom')).toBe('\\x1b]0;pwned\\x07\\x1b[2Jroom');
    expect(printable('a\nb\rc\td\u007f\u009b')).toBe('a\\nb\\rc\\td\\x7f\\x9b');
    expect(printable('invoice\u202egnp.exe')).toBe('invoice\\u202egnp.exe');
    expect(printable('Café 東京 🙂 — ok')).toBe('Café 東京 🙂 — ok');
  });

  it('a table escapes every cell, so a crafted room name cannot rewrite the screen or break the columns', () => {
    const table = renderTable(
      [
        { id: 'g_1', name: 'team\u001b[31m red\n| fake row' },
        { id: 'g_2', name: 'plain' },
      ],
      ['id', 'name'],
    );
    for (const line of table.split('\n')) expect(line).not.toMatch(/[\u0000-\u001f]/);
    expect(table.split('\n')).toEqual(['ID   NAME', 'g_1  team\\x1b[31m red\\n| fake row', 'g_2  plain']);
  });
});
