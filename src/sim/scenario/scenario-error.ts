import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml';

/**
 * A scenario file that cannot be used, pointing at the place: the file, the field path
 * (`rooms.groupSize.max`), the line when it is known, what was expected and what was found.
 *
 *     scenarios/x.yaml:14: rooms.groupSize.max: expected at most rooms.cap (100), got 500
 */
export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  /** The file as given to the loader. */
  readonly file: string;
  /** Dotted field path; '' for the file as a whole (a syntax error, a file that is not an object). */
  readonly field: string;
  /** 1-based line of the field (or of its closest written parent), when known. */
  readonly line: number | undefined;
  /** What the field should be, e.g. "an integer from 2 to 1000000". */
  readonly expected: string;
  /** The offending value as written (undefined when the field is missing). */
  readonly got: unknown;

  constructor(init: {
    file: string;
    field: string;
    line?: number | undefined;
    expected: string;
    got?: unknown;
    missing?: boolean;
    unknown?: boolean;
  }) {
    const where = init.line === undefined ? init.file : `${init.file}:${init.line}`;
    let detail: string;
    if (init.missing) detail = `missing; expected ${init.expected}`;
    else if (init.unknown) detail = `unknown field; expected ${init.expected}`;
    else detail = `expected ${init.expected}${init.got === undefined ? '' : `, got ${show(init.got)}`}`;
    super(init.field ? `${where}: ${init.field}: ${detail}` : `${where}: ${detail}`);
    this.file = init.file;
    this.field = init.field;
    this.line = init.line;
    this.expected = init.expected;
    this.got = init.got;
  }
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Finds fields' lines in the source text (YAML, and JSON, which is YAML too). */
export class FieldLocator {
  private readonly lines = new LineCounter();
  private readonly root: unknown;

  constructor(text: string) {
    let root: unknown;
    try {
      root = parseDocument(text, { lineCounter: this.lines, uniqueKeys: false }).contents;
    } catch {
      root = null;
    }
    this.root = root;
  }

  /**
   * The line where the field is written; for a missing field, the line of its nearest
   * written parent; undefined for the root or when the text cannot be read as YAML.
   */
  lineOf(field: string): number | undefined {
    if (!field) return undefined;
    let node: unknown = this.root;
    let line: number | undefined;
    for (const segment of field.split('.')) {
      if (isMap(node)) {
        const pair = node.items.find((item) => keyText(item.key) === segment);
        if (!pair) break;
        line = this.lineAt(pair.key as Node) ?? line;
        node = pair.value;
      } else if (isSeq(node) && /^\d+$/.test(segment)) {
        node = node.items[Number(segment)];
        line = this.lineAt(node as Node) ?? line;
      } else {
        break;
      }
    }
    return line;
  }

  private lineAt(node: Node | null | undefined): number | undefined {
    const start = node?.range?.[0];
    return start === undefined ? undefined : this.lines.linePos(start).line;
  }
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}
