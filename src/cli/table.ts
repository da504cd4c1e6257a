import { printable } from './printable.js';

/** What a cell holds; String() of it is what the table shows. */
type Cell = string | number | boolean | Date | readonly string[] | null | undefined;

/** Renders rows as an aligned plain-text table, every cell made printable (user-supplied text). */
export function renderTable<T extends object>(rows: T[], columns: Array<keyof T & string>): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((row) =>
    columns.map((column) => printable(String((row as Record<string, Cell>)[column] ?? ''))),
  );
  const widths = columns.map((column, i) => Math.max(column.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: string[]) =>
    values
      .map((value, i) => value.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}
